-- Device events (hv/v1/{site}/{device}/event), stored once per (device, event_id), and each device's latest state
-- (the retained hv/v1/{site}/{device}/state), kept by an upsert that ignores a report older than the stored one.
-- Site-owned, under the row-level security of sensor_readings (the site list read once per statement, as in 0007).

CREATE TABLE device_events (
    site_id uuid NOT NULL,
    equipment_id uuid NOT NULL,
    event_id text NOT NULL CONSTRAINT device_events_event_id_length CHECK (length(event_id) BETWEEN 1 AND 64),
    code text NOT NULL CONSTRAINT device_events_code_format CHECK (code ~ '^[A-Z][A-Z0-9_]{0,63}$'),
    severity text NOT NULL CONSTRAINT device_events_severity_value CHECK (
        severity IN ('unspecified', 'info', 'warning', 'critical')
    ),
    message text NOT NULL CONSTRAINT device_events_message_length CHECK (length(message) <= 1000),
    attributes jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (equipment_id, event_id),
    FOREIGN KEY (equipment_id, site_id) REFERENCES equipment (id, site_id) ON DELETE CASCADE
);
CREATE INDEX device_events_site_idx ON device_events (site_id, occurred_at DESC);

CREATE TABLE device_states (
    equipment_id uuid PRIMARY KEY,
    site_id uuid NOT NULL,
    reported_at timestamptz NOT NULL,
    firmware_version text NOT NULL CONSTRAINT device_states_firmware_length CHECK (length(firmware_version) <= 64),
    uptime_seconds bigint NOT NULL CONSTRAINT device_states_uptime_value CHECK (uptime_seconds >= 0),
    signal_dbm integer NOT NULL,
    fault_code text CONSTRAINT device_states_fault_code_format CHECK (fault_code ~ '^[A-Z][A-Z0-9_]{0,63}$'),
    properties jsonb NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (equipment_id, site_id) REFERENCES equipment (id, site_id) ON DELETE CASCADE
);
CREATE INDEX device_states_site_idx ON device_states (site_id);

GRANT SELECT, INSERT ON device_events TO harvestry_service;
GRANT SELECT, INSERT, UPDATE ON device_states TO harvestry_service;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['device_events', 'device_states'] LOOP
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
