-- Irrigation settings (issue 7, the run engine): per site the manual-approval policy, the InterlockPolicy values and
-- the command timing; per irrigation group which source feeds each interlock input; and the settlements the run
-- engine has applied (so a settlement reported twice changes nothing). Site-owned, under the row-level security of
-- 0008/0009. No row means the defaults, which are safe: every input required, and a required input without a source
-- has no reading, so it is stale and nothing opens.

CREATE TABLE irrigation_site_settings (
    site_id uuid PRIMARY KEY REFERENCES sites (id),
    manual_approval boolean NOT NULL DEFAULT false,
    stale_after_seconds double precision NOT NULL DEFAULT 60
        CONSTRAINT irrigation_site_settings_stale_after_value CHECK (stale_after_seconds BETWEEN 1 AND 3600),
    -- InterlockInput raw values.
    required_inputs text[] NOT NULL DEFAULT ARRAY['estop', 'door', 'co2_exhaust', 'tank_level', 'ec', 'ph']
        CONSTRAINT irrigation_site_settings_required_inputs_value
        CHECK (required_inputs <@ ARRAY['estop', 'door', 'co2_exhaust', 'tank_level', 'ec', 'ph']),
    tank_minimum_percent double precision NOT NULL DEFAULT 15
        CONSTRAINT irrigation_site_settings_tank_minimum_value CHECK (tank_minimum_percent BETWEEN 0 AND 100),
    ec_min double precision NOT NULL DEFAULT 0.5,
    ec_max double precision NOT NULL DEFAULT 3.5,
    ph_min double precision NOT NULL DEFAULT 5.2,
    ph_max double precision NOT NULL DEFAULT 6.8,
    -- {"TANK_LOW": 30, ...}: seconds, delayable reasons only (checked by InterlockPolicy.validate).
    alarm_delays jsonb NOT NULL DEFAULT '{}',
    -- Valve commands: expiry after creation, ack timeout per attempt, publications allowed.
    command_expiry_seconds double precision NOT NULL DEFAULT 30
        CONSTRAINT irrigation_site_settings_command_expiry_value CHECK (command_expiry_seconds BETWEEN 1 AND 3600),
    command_ack_timeout_seconds double precision NOT NULL DEFAULT 5
        CONSTRAINT irrigation_site_settings_ack_timeout_value CHECK (command_ack_timeout_seconds BETWEEN 0.1 AND 600),
    command_max_attempts smallint NOT NULL DEFAULT 3
        CONSTRAINT irrigation_site_settings_max_attempts_value CHECK (command_max_attempts BETWEEN 1 AND 10),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT irrigation_site_settings_ec_bounds CHECK (0 <= ec_min AND ec_min <= ec_max AND ec_max <= 20),
    CONSTRAINT irrigation_site_settings_ph_bounds CHECK (0 <= ph_min AND ph_min <= ph_max AND ph_max <= 14)
);

-- Which source feeds an interlock input of a group: a device's state property (the controller's `estop`, `door`,
-- `tank`, ...) with the state's reported time, or a telemetry stream's latest reading.
CREATE TABLE irrigation_interlock_sources (
    group_id uuid NOT NULL,
    site_id uuid NOT NULL,
    input text NOT NULL CONSTRAINT irrigation_interlock_sources_input_value
        CHECK (input IN ('estop', 'door', 'co2_exhaust', 'tank_level', 'ec', 'ph')),
    source_kind text NOT NULL CONSTRAINT irrigation_interlock_sources_kind_value
        CHECK (source_kind IN ('device_state', 'stream')),
    device_id uuid,
    property text CONSTRAINT irrigation_interlock_sources_property_format
        CHECK (property ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    stream_id uuid,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, input),
    CONSTRAINT irrigation_interlock_sources_fields CHECK (
        (source_kind = 'device_state' AND device_id IS NOT NULL AND property IS NOT NULL AND stream_id IS NULL)
        OR (source_kind = 'stream' AND stream_id IS NOT NULL AND device_id IS NULL AND property IS NULL)
    ),
    FOREIGN KEY (group_id, site_id) REFERENCES irrigation_groups (id, site_id) ON DELETE CASCADE,
    FOREIGN KEY (device_id, site_id) REFERENCES equipment (id, site_id),
    FOREIGN KEY (stream_id, site_id) REFERENCES sensor_streams (id, site_id)
);

-- A settled command the engine has applied to its run, written in the run change's transaction.
CREATE TABLE irrigation_applied_settlements (
    command_id uuid PRIMARY KEY REFERENCES device_commands (id),
    site_id uuid NOT NULL,
    run_id uuid NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (run_id, site_id) REFERENCES irrigation_runs (id, site_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON irrigation_site_settings, irrigation_interlock_sources TO harvestry_service;
GRANT SELECT, INSERT ON irrigation_applied_settlements TO harvestry_service;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['irrigation_site_settings', 'irrigation_interlock_sources', 'irrigation_applied_settlements']
    LOOP
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

-- The run engine works for every site: this returns only which sites have a run to advance (Queued, Running,
-- Aborting), or with p_sites those sites (a settled command names its site), with their organization; the engine
-- then acts under exactly that site's scope.
CREATE FUNCTION harvestry_irrigation_engine_sites(p_sites uuid[] DEFAULT NULL)
    RETURNS TABLE (site_id uuid, organization_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        SELECT s.id, s.organization_id FROM public.sites s
        WHERE (p_sites IS NULL AND s.id IN (
                SELECT r.site_id FROM public.irrigation_runs r WHERE r.status IN ('Queued', 'Running', 'Aborting')
            ))
            OR s.id = ANY (p_sites)
    $$;
REVOKE ALL ON FUNCTION harvestry_irrigation_engine_sites(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION harvestry_irrigation_engine_sites(uuid[]) TO harvestry_service;
