-- Irrigation (issue 7, FRP-06): the supply (mix tanks, injector channels, nutrient products), groups of zone valves,
-- programs with ordered steps, schedules, runs with their step runs, interlock events and device commands.
-- Every table is site-owned, under the row-level security of 0008 (the site list read once per statement).
-- CHECKs mirror the domain's validation in Sources/Domain/Irrigation; status and reason lists use the domain's names.
--
-- The command outbox is `device_commands` itself: a run change and its commands are written in one transaction,
-- commands start QUEUED with `next_attempt_at` = now, and a dispatcher claims due rows with
-- `SELECT ... WHERE next_attempt_at <= now ORDER BY next_attempt_at FOR UPDATE SKIP LOCKED`, so several instances
-- cooperate. `next_attempt_at` is when the row next needs the dispatcher (QUEUED: at once; SENT/RECEIVED: the ack
-- deadline); it is NULL exactly when the command is finished, so the partial index holds only live commands.

-- Supply ---------------------------------------------------------------------------------------------------------

CREATE TABLE mix_tanks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL REFERENCES sites (id),
    code text NOT NULL CONSTRAINT mix_tanks_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    name text NOT NULL CONSTRAINT mix_tanks_name_length CHECK (length(name) BETWEEN 1 AND 200),
    capacity_liters double precision NOT NULL
        CONSTRAINT mix_tanks_capacity_liters_value CHECK (capacity_liters > 0 AND capacity_liters <= 1000000),
    -- The level sensor's equipment, whose readings feed the TANK_LOW interlock.
    level_sensor_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, code),
    UNIQUE (id, site_id),
    FOREIGN KEY (level_sensor_id, site_id) REFERENCES equipment (id, site_id)
);

CREATE TABLE nutrient_products (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL REFERENCES sites (id),
    code text NOT NULL
        CONSTRAINT nutrient_products_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    name text NOT NULL CONSTRAINT nutrient_products_name_length CHECK (length(name) BETWEEN 1 AND 200),
    manufacturer text CONSTRAINT nutrient_products_manufacturer_length CHECK (length(manufacturer) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, code),
    UNIQUE (id, site_id)
);

CREATE TABLE injector_channels (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    mix_tank_id uuid NOT NULL,
    channel smallint NOT NULL CONSTRAINT injector_channels_channel_value CHECK (channel BETWEEN 1 AND 16),
    nutrient_product_id uuid,
    ml_per_liter double precision
        CONSTRAINT injector_channels_ml_per_liter_value CHECK (ml_per_liter >= 0 AND ml_per_liter <= 100),
    -- The dosing pump.
    pump_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (mix_tank_id, channel),
    FOREIGN KEY (mix_tank_id, site_id) REFERENCES mix_tanks (id, site_id) ON DELETE CASCADE,
    FOREIGN KEY (nutrient_product_id, site_id) REFERENCES nutrient_products (id, site_id),
    FOREIGN KEY (pump_id, site_id) REFERENCES equipment (id, site_id)
);

-- Groups, programs, schedules ------------------------------------------------------------------------------------

CREATE TABLE irrigation_groups (
    id uuid PRIMARY KEY,
    site_id uuid NOT NULL REFERENCES sites (id),
    name text NOT NULL CONSTRAINT irrigation_groups_name_length CHECK (length(name) BETWEEN 1 AND 200),
    mix_tank_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, site_id),
    FOREIGN KEY (mix_tank_id, site_id) REFERENCES mix_tanks (id, site_id)
);
CREATE INDEX irrigation_groups_site_idx ON irrigation_groups (site_id);

-- A group's zones, each with its valve (an equipment row of kind 'valve') and load class; each zone once per group.
CREATE TABLE irrigation_group_valves (
    group_id uuid NOT NULL,
    site_id uuid NOT NULL,
    position smallint NOT NULL CONSTRAINT irrigation_group_valves_position_value CHECK (position >= 0),
    zone_id uuid NOT NULL,
    device_id uuid NOT NULL,
    device_kind text NOT NULL DEFAULT 'valve' CHECK (device_kind = 'valve'),
    load_class text NOT NULL CONSTRAINT irrigation_group_valves_load_class_value CHECK (load_class IN ('HL', 'STD')),
    PRIMARY KEY (group_id, position),
    UNIQUE (group_id, zone_id),
    FOREIGN KEY (group_id, site_id) REFERENCES irrigation_groups (id, site_id) ON DELETE CASCADE,
    FOREIGN KEY (zone_id, site_id) REFERENCES zones (id, site_id),
    FOREIGN KEY (device_id, site_id, device_kind) REFERENCES equipment (id, site_id, kind)
);

CREATE TABLE irrigation_programs (
    id uuid PRIMARY KEY,
    site_id uuid NOT NULL,
    group_id uuid NOT NULL,
    name text NOT NULL CONSTRAINT irrigation_programs_name_length CHECK (length(name) BETWEEN 1 AND 200),
    max_runtime_seconds double precision NOT NULL
        CONSTRAINT irrigation_programs_max_runtime_value CHECK (max_runtime_seconds BETWEEN 1 AND 86400),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, site_id),
    UNIQUE (id, group_id, site_id),
    FOREIGN KEY (group_id, site_id) REFERENCES irrigation_groups (id, site_id)
);
CREATE INDEX irrigation_programs_group_idx ON irrigation_programs (group_id);

-- A program's ordered steps: a zone of the program's group, watered for a duration or a volume (exactly one).
CREATE TABLE irrigation_program_steps (
    program_id uuid NOT NULL,
    group_id uuid NOT NULL,
    site_id uuid NOT NULL,
    position smallint NOT NULL CONSTRAINT irrigation_program_steps_position_value CHECK (position BETWEEN 0 AND 99),
    zone_id uuid NOT NULL,
    duration_seconds double precision
        CONSTRAINT irrigation_program_steps_duration_value CHECK (duration_seconds BETWEEN 1 AND 86400),
    volume_liters double precision
        CONSTRAINT irrigation_program_steps_volume_value CHECK (volume_liters > 0 AND volume_liters <= 100000),
    PRIMARY KEY (program_id, position),
    CONSTRAINT irrigation_program_steps_amount_required CHECK ((duration_seconds IS NULL) <> (volume_liters IS NULL)),
    FOREIGN KEY (program_id, group_id, site_id) REFERENCES irrigation_programs (id, group_id, site_id)
        ON DELETE CASCADE,
    FOREIGN KEY (group_id, zone_id) REFERENCES irrigation_group_valves (group_id, zone_id)
);

CREATE TABLE irrigation_schedules (
    id uuid PRIMARY KEY,
    site_id uuid NOT NULL,
    program_id uuid NOT NULL,
    trigger_kind text NOT NULL
        CONSTRAINT irrigation_schedules_trigger_kind_value CHECK (trigger_kind IN ('time_of_day', 'batch_phase_change')),
    minute_of_day smallint CONSTRAINT irrigation_schedules_minute_of_day_value CHECK (minute_of_day BETWEEN 0 AND 1439),
    -- ISO weekdays, Monday 1 ... Sunday 7.
    days smallint[] CONSTRAINT irrigation_schedules_days_value
        CHECK (cardinality(days) BETWEEN 1 AND 7 AND days <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]),
    phase text CONSTRAINT irrigation_schedules_phase_format CHECK (phase ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    time_zone text NOT NULL
        CONSTRAINT irrigation_schedules_time_zone_format CHECK (time_zone = 'UTC' OR time_zone ~ '^[A-Za-z_]+/[A-Za-z0-9_+/-]+$'),
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT irrigation_schedules_trigger_required CHECK (
        (trigger_kind = 'time_of_day' AND minute_of_day IS NOT NULL AND days IS NOT NULL AND phase IS NULL)
        OR (trigger_kind = 'batch_phase_change' AND phase IS NOT NULL AND minute_of_day IS NULL AND days IS NULL)
    ),
    FOREIGN KEY (program_id, site_id) REFERENCES irrigation_programs (id, site_id) ON DELETE CASCADE
);
CREATE INDEX irrigation_schedules_program_idx ON irrigation_schedules (program_id);
CREATE INDEX irrigation_schedules_enabled_idx ON irrigation_schedules (site_id) WHERE enabled;

-- Runs -----------------------------------------------------------------------------------------------------------

CREATE TABLE irrigation_runs (
    id uuid PRIMARY KEY,
    site_id uuid NOT NULL,
    program_id uuid NOT NULL,
    group_id uuid NOT NULL,
    requested_by uuid REFERENCES users (id),
    requested_at timestamptz NOT NULL,
    status text NOT NULL CONSTRAINT irrigation_runs_status_value CHECK (
        status IN ('AwaitingApproval', 'Queued', 'Running', 'Aborting', 'Completed', 'Aborted')
    ),
    approved_by uuid REFERENCES users (id),
    current_step smallint NOT NULL DEFAULT 0 CONSTRAINT irrigation_runs_current_step_value CHECK (current_step >= 0),
    started_at timestamptz,
    stopped_at timestamptz,
    -- Why it was aborted: one of the domain's RunAbortCause cases, with that case's fields.
    abort_cause text CONSTRAINT irrigation_runs_abort_cause_value
        CHECK (abort_cause IN ('operator', 'interlock', 'device', 'approval_denied')),
    abort_actor_id uuid REFERENCES users (id),
    abort_note text CONSTRAINT irrigation_runs_abort_note_length CHECK (length(abort_note) <= 1000),
    abort_reason text CONSTRAINT irrigation_runs_abort_reason_value CHECK (abort_reason IN (
        'ESTOP_OPEN', 'DOOR_OPEN', 'STALE_READING', 'TANK_LOW', 'EC_OUT_OF_BOUNDS', 'PH_OUT_OF_BOUNDS',
        'MAX_RUNTIME_EXCEEDED', 'CO2_EXHAUST_LOCKOUT', 'CONCURRENCY_CAP'
    )),
    abort_zone_id uuid,
    abort_command_status text CONSTRAINT irrigation_runs_abort_command_status_value
        CHECK (abort_command_status IN ('QUEUED', 'SENT', 'RECEIVED', 'EXECUTED', 'REJECTED', 'TIMEOUT', 'EXPIRED')),
    block_reason text CONSTRAINT irrigation_runs_block_reason_value CHECK (block_reason IN (
        'ESTOP_OPEN', 'DOOR_OPEN', 'STALE_READING', 'TANK_LOW', 'EC_OUT_OF_BOUNDS', 'PH_OUT_OF_BOUNDS',
        'MAX_RUNTIME_EXCEEDED', 'CO2_EXHAUST_LOCKOUT', 'CONCURRENCY_CAP'
    )),
    -- The abort saga: zones whose close is unconfirmed, zones compensated, and close rounds per zone ({zone: n}).
    pending_closes uuid[] NOT NULL DEFAULT '{}',
    unconfirmed_zones uuid[] NOT NULL DEFAULT '{}',
    close_rounds jsonb NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, site_id),
    CONSTRAINT irrigation_runs_abort_cause_required CHECK (
        (abort_cause IS NULL AND abort_actor_id IS NULL AND abort_note IS NULL AND abort_reason IS NULL
            AND abort_zone_id IS NULL AND abort_command_status IS NULL)
        OR (abort_cause = 'operator' AND abort_actor_id IS NOT NULL AND abort_note IS NOT NULL)
        OR (abort_cause = 'interlock' AND abort_reason IS NOT NULL)
        OR (abort_cause = 'device' AND abort_zone_id IS NOT NULL AND abort_command_status IS NOT NULL)
        OR (abort_cause = 'approval_denied' AND abort_actor_id IS NOT NULL)
    ),
    CONSTRAINT irrigation_runs_stopped_at_required CHECK ((status IN ('Completed', 'Aborted')) = (stopped_at IS NOT NULL)),
    FOREIGN KEY (program_id, group_id, site_id) REFERENCES irrigation_programs (id, group_id, site_id)
);
-- The dispatcher and ListRuns: a site's runs by status, newest first.
CREATE INDEX irrigation_runs_site_status_idx ON irrigation_runs (site_id, status, requested_at DESC);
CREATE INDEX irrigation_runs_site_requested_idx ON irrigation_runs (site_id, requested_at DESC, id DESC);

CREATE TABLE irrigation_step_runs (
    run_id uuid NOT NULL,
    site_id uuid NOT NULL,
    position smallint NOT NULL CONSTRAINT irrigation_step_runs_position_value CHECK (position BETWEEN 0 AND 99),
    zone_id uuid NOT NULL,
    status text NOT NULL CONSTRAINT irrigation_step_runs_status_value
        CHECK (status IN ('pending', 'opening', 'watering', 'closing', 'done')),
    opened_at timestamptz,
    closed_at timestamptz,
    PRIMARY KEY (run_id, position),
    FOREIGN KEY (run_id, site_id) REFERENCES irrigation_runs (id, site_id) ON DELETE CASCADE,
    FOREIGN KEY (zone_id, site_id) REFERENCES zones (id, site_id)
);

-- Interlocks -----------------------------------------------------------------------------------------------------

CREATE TABLE interlock_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    group_id uuid NOT NULL,
    run_id uuid,
    kind text NOT NULL CONSTRAINT interlock_events_kind_value
        CHECK (kind IN ('BLOCKED', 'QUEUED', 'ABORTED', 'SHUT_OFF', 'LATCHED', 'CLEARED')),
    reason text NOT NULL CONSTRAINT interlock_events_reason_value CHECK (reason IN (
        'ESTOP_OPEN', 'DOOR_OPEN', 'STALE_READING', 'TANK_LOW', 'EC_OUT_OF_BOUNDS', 'PH_OUT_OF_BOUNDS',
        'MAX_RUNTIME_EXCEEDED', 'CO2_EXHAUST_LOCKOUT', 'CONCURRENCY_CAP'
    )),
    occurred_at timestamptz NOT NULL,
    detail text NOT NULL CONSTRAINT interlock_events_detail_length CHECK (length(detail) <= 1000),
    actor_id uuid REFERENCES users (id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT interlock_events_actor_required CHECK ((kind = 'CLEARED') = (actor_id IS NOT NULL)),
    FOREIGN KEY (group_id, site_id) REFERENCES irrigation_groups (id, site_id),
    FOREIGN KEY (run_id, site_id) REFERENCES irrigation_runs (id, site_id)
);
CREATE INDEX interlock_events_group_idx ON interlock_events (group_id, occurred_at DESC);
CREATE INDEX interlock_events_run_idx ON interlock_events (run_id) WHERE run_id IS NOT NULL;

-- Device commands: the outbox -----------------------------------------------------------------------------------

CREATE TABLE device_commands (
    id uuid PRIMARY KEY,
    site_id uuid NOT NULL,
    run_id uuid,
    device_id uuid NOT NULL,
    zone_id uuid NOT NULL,
    action text NOT NULL CONSTRAINT device_commands_action_value CHECK (action IN ('open', 'close')),
    idempotency_key text NOT NULL
        CONSTRAINT device_commands_idempotency_key_length CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    ack_timeout_seconds double precision NOT NULL
        CONSTRAINT device_commands_ack_timeout_value CHECK (ack_timeout_seconds BETWEEN 0.1 AND 600),
    max_attempts smallint NOT NULL CONSTRAINT device_commands_max_attempts_value CHECK (max_attempts BETWEEN 1 AND 10),
    status text NOT NULL DEFAULT 'QUEUED' CONSTRAINT device_commands_status_value
        CHECK (status IN ('QUEUED', 'SENT', 'RECEIVED', 'EXECUTED', 'REJECTED', 'TIMEOUT', 'EXPIRED')),
    attempts smallint NOT NULL DEFAULT 0 CONSTRAINT device_commands_attempts_value CHECK (attempts BETWEEN 0 AND max_attempts),
    waiting_since timestamptz,
    finished_at timestamptz,
    -- When the dispatcher must next look at the command; NULL exactly when it is finished.
    next_attempt_at timestamptz,
    -- The device's reason with its latest acknowledgement (e.g. why it rejected).
    ack_reason text CONSTRAINT device_commands_ack_reason_length CHECK (length(ack_reason) <= 500),
    -- A device never acts twice on one key: retries reuse it, a second command may not.
    CONSTRAINT device_commands_idempotency_key_unique UNIQUE (device_id, idempotency_key),
    CONSTRAINT device_commands_expires_at_value CHECK (expires_at > created_at),
    CONSTRAINT device_commands_next_attempt_at_required CHECK (
        (status IN ('QUEUED', 'SENT', 'RECEIVED')) = (next_attempt_at IS NOT NULL)
    ),
    CONSTRAINT device_commands_finished_at_required CHECK (
        (status IN ('EXECUTED', 'REJECTED', 'TIMEOUT', 'EXPIRED')) = (finished_at IS NOT NULL)
    ),
    FOREIGN KEY (run_id, site_id) REFERENCES irrigation_runs (id, site_id),
    FOREIGN KEY (device_id, site_id) REFERENCES equipment (id, site_id),
    FOREIGN KEY (zone_id, site_id) REFERENCES zones (id, site_id)
);
-- The claim: live commands by when they are due (`WHERE next_attempt_at <= $now ORDER BY next_attempt_at`).
CREATE INDEX device_commands_due_idx ON device_commands (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
-- The expiry sweep: commands not yet with a device, by expiry.
CREATE INDEX device_commands_expiry_idx ON device_commands (expires_at) WHERE status IN ('QUEUED', 'SENT');
CREATE INDEX device_commands_run_idx ON device_commands (run_id) WHERE run_id IS NOT NULL;

-- Row-level security ---------------------------------------------------------------------------------------------

GRANT SELECT, INSERT, UPDATE, DELETE ON mix_tanks, nutrient_products, injector_channels, irrigation_groups,
    irrigation_group_valves, irrigation_programs, irrigation_program_steps, irrigation_schedules TO harvestry_service;
GRANT SELECT, INSERT, UPDATE ON irrigation_runs, irrigation_step_runs, device_commands TO harvestry_service;
-- Interlock events are a log: appended and read, never changed.
GRANT SELECT, INSERT ON interlock_events TO harvestry_service;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'mix_tanks', 'nutrient_products', 'injector_channels', 'irrigation_groups', 'irrigation_group_valves',
        'irrigation_programs', 'irrigation_program_steps', 'irrigation_schedules', 'irrigation_runs',
        'irrigation_step_runs', 'interlock_events', 'device_commands'
    ] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I TO harvestry_service '
            'USING (site_id = ANY ((SELECT harvestry_site_ids())::uuid[])) '
            'WITH CHECK (site_id = ANY ((SELECT harvestry_site_ids())::uuid[]))',
            t || '_scope', t
        );
    END LOOP;
END
$$;

-- The dispatcher works for every site: this returns only which sites have commands due (to claim or to expire) at
-- p_now, with their organization; the claim itself then runs under exactly those sites' scope.
CREATE FUNCTION harvestry_command_sites(p_now timestamptz)
    RETURNS TABLE (site_id uuid, organization_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        SELECT s.id, s.organization_id FROM public.sites s
        WHERE s.id IN (
            SELECT c.site_id FROM public.device_commands c WHERE c.next_attempt_at <= p_now
            UNION
            SELECT c.site_id FROM public.device_commands c WHERE c.status IN ('QUEUED', 'SENT') AND c.expires_at <= p_now
        )
    $$;
REVOKE ALL ON FUNCTION harvestry_command_sites(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION harvestry_command_sites(timestamptz) TO harvestry_service;
