-- The irrigation scheduler (issue 7): every fire of a time-of-day schedule is decided once, across server instances
-- and restarts, by inserting its row here (primary key (schedule_id, fire_at), ON CONFLICT DO NOTHING): the instance
-- whose insert lands runs the program, every other one sees the row and does nothing. See docs/irrigation.md,
-- "Scheduler".

-- Who set the schedule: the scheduler starts the program on this person's behalf (runs need a requester). Filled
-- from the request scope on insert; existing schedules take the actor of their `irrigation_schedule.create` audit row.
ALTER TABLE irrigation_schedules ADD COLUMN created_by uuid DEFAULT harvestry_user_id() REFERENCES users (id);
UPDATE irrigation_schedules s SET created_by = a.actor_user_id
FROM audit_logs a
WHERE a.action = 'irrigation_schedule.create' AND a.resource_type = 'irrigation_schedule'
    AND a.resource_id = s.id::text AND s.created_by IS NULL;

-- Fires at or before this instant are not the scheduler's business (never "missed"): the schedule did not exist,
-- was disabled, or fired at another time then. Set on insert, and to now() when a schedule is enabled again or its
-- time, days, zone or trigger change (the trigger below), so such a change never makes a past time look missed.
ALTER TABLE irrigation_schedules ADD COLUMN fires_after timestamptz NOT NULL DEFAULT now();
ALTER TABLE irrigation_schedules ADD CONSTRAINT irrigation_schedules_id_site_key UNIQUE (id, site_id);

CREATE FUNCTION harvestry_irrigation_schedule_rearm() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF NEW.enabled AND (
            NOT OLD.enabled
            OR NEW.trigger_kind IS DISTINCT FROM OLD.trigger_kind
            OR NEW.minute_of_day IS DISTINCT FROM OLD.minute_of_day
            OR NEW.days IS DISTINCT FROM OLD.days
            OR NEW.time_zone IS DISTINCT FROM OLD.time_zone
        ) THEN
            NEW.fires_after := greatest(OLD.fires_after, now());
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER irrigation_schedules_rearm BEFORE UPDATE ON irrigation_schedules
    FOR EACH ROW EXECUTE FUNCTION harvestry_irrigation_schedule_rearm();

-- One row per decided fire. `claimed` is written before the scheduler calls StartRun and becomes `started` (with the
-- run) or `failed` (with the error); a row left `claimed` means the instance stopped in between (the fire is not
-- retried: at most once is the safe side for water). `skipped` is a fire missed beyond the grace period.
CREATE TABLE irrigation_schedule_fires (
    schedule_id uuid NOT NULL,
    site_id uuid NOT NULL,
    fire_at timestamptz NOT NULL,
    outcome text NOT NULL CONSTRAINT irrigation_schedule_fires_outcome_value
        CHECK (outcome IN ('claimed', 'started', 'failed', 'skipped')),
    -- The run StartRun returned (not a foreign key: the run is the engine's, written in its own transaction).
    run_id uuid,
    error text CONSTRAINT irrigation_schedule_fires_error_length CHECK (length(error) BETWEEN 1 AND 1000),
    -- The instance that decided, and when (its clock).
    instance text NOT NULL CONSTRAINT irrigation_schedule_fires_instance_length CHECK (length(instance) BETWEEN 1 AND 200),
    decided_at timestamptz NOT NULL,
    finished_at timestamptz,
    PRIMARY KEY (schedule_id, fire_at),
    CONSTRAINT irrigation_schedule_fires_run_required CHECK ((outcome = 'started') = (run_id IS NOT NULL)),
    CONSTRAINT irrigation_schedule_fires_error_required CHECK ((outcome = 'failed') = (error IS NOT NULL)),
    CONSTRAINT irrigation_schedule_fires_finished_required CHECK ((outcome = 'claimed') = (finished_at IS NULL)),
    FOREIGN KEY (schedule_id, site_id) REFERENCES irrigation_schedules (id, site_id) ON DELETE CASCADE
);
CREATE INDEX irrigation_schedule_fires_site_idx ON irrigation_schedule_fires (site_id, fire_at DESC);

GRANT SELECT, INSERT, UPDATE ON irrigation_schedule_fires TO harvestry_service;
ALTER TABLE irrigation_schedule_fires ENABLE ROW LEVEL SECURITY;
ALTER TABLE irrigation_schedule_fires FORCE ROW LEVEL SECURITY;
CREATE POLICY irrigation_schedule_fires_scope ON irrigation_schedule_fires TO harvestry_service
    USING (site_id = ANY ((SELECT harvestry_site_ids())::uuid[]))
    WITH CHECK (site_id = ANY ((SELECT harvestry_site_ids())::uuid[]));

-- The scheduler works for every site: this returns only which sites have an enabled time-of-day schedule, with
-- their organization; it then reads and claims under exactly that site's scope.
CREATE FUNCTION harvestry_irrigation_schedule_sites()
    RETURNS TABLE (site_id uuid, organization_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        SELECT s.id, s.organization_id FROM public.sites s
        WHERE s.id IN (
            SELECT i.site_id FROM public.irrigation_schedules i WHERE i.enabled AND i.trigger_kind = 'time_of_day'
        )
        ORDER BY s.id
    $$;
REVOKE ALL ON FUNCTION harvestry_irrigation_schedule_sites() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION harvestry_irrigation_schedule_sites() TO harvestry_service;
