-- The command dispatcher's wake-ups (docs/irrigation.md, "Command dispatcher").
--
-- A new command NOTIFYs `harvestry_device_commands` once per inserting statement, at commit, so a dispatcher LISTENing
-- on it claims the command at once instead of at its next poll. The payload is empty: a wake-up, not the command
-- (Postgres folds identical notifications of one transaction into one).
CREATE FUNCTION harvestry_notify_device_commands() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
    AS $$
    BEGIN
        PERFORM pg_notify('harvestry_device_commands', '');
        RETURN NULL;
    END
    $$;

CREATE TRIGGER device_commands_notify_insert
    AFTER INSERT ON device_commands
    FOR EACH STATEMENT EXECUTE FUNCTION harvestry_notify_device_commands();

-- When the dispatcher must next look at the outbox, over every site (a `SECURITY DEFINER` lookup like
-- `harvestry_command_sites`: the service sees no command without a scope): the earliest `next_attempt_at` of a live
-- command (a QUEUED one at once, a SENT or RECEIVED one at its ack deadline), and the earliest expiry of a command
-- not yet with a device (QUEUED or SENT), for the expiry sweep. NULLs when there is nothing to wait for.
CREATE FUNCTION harvestry_next_command_due()
    RETURNS TABLE (next_attempt_at timestamptz, next_expiry timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        SELECT
            (SELECT min(c.next_attempt_at) FROM public.device_commands c WHERE c.next_attempt_at IS NOT NULL),
            (SELECT min(c.expires_at) FROM public.device_commands c WHERE c.status IN ('QUEUED', 'SENT'))
    $$;
REVOKE ALL ON FUNCTION harvestry_next_command_due() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION harvestry_next_command_due() TO harvestry_service;
