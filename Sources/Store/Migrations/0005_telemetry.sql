-- Telemetry: sensor streams, raw readings partitioned by day, 1m/5m/1h rollups kept by the ingest path, dead letters,
-- alert rules and alert instances. All site-owned, under the same row-level security as the spatial tables.

CREATE TABLE sensor_streams (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL REFERENCES sites (id),
    equipment_id uuid NOT NULL,
    key text NOT NULL CONSTRAINT sensor_streams_key_format CHECK (key ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    stream_type text NOT NULL CONSTRAINT sensor_streams_type_value CHECK (stream_type IN (
        'temperature', 'humidity', 'ec', 'ph', 'moisture', 'co2', 'vpd', 'pressure', 'ppfd', 'flow', 'tds'
    )),
    unit text NOT NULL CONSTRAINT sensor_streams_unit_length CHECK (length(unit) BETWEEN 1 AND 20),
    display_name text CONSTRAINT sensor_streams_display_name_length CHECK (length(display_name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (equipment_id, key),
    UNIQUE (id, site_id),
    FOREIGN KEY (equipment_id, site_id) REFERENCES equipment (id, site_id) ON DELETE CASCADE
);
CREATE INDEX sensor_streams_site_idx ON sensor_streams (site_id, equipment_id, key);

-- Raw readings, one partition per UTC day (sensor_readings_YYYYMMDD). The primary key makes ingest idempotent on
-- (stream, timestamp). No foreign key to sensor_streams: the ingest path only writes streams it has just looked up,
-- and a per-row key check would cost a lookup for every reading.
CREATE TABLE sensor_readings (
    stream_id uuid NOT NULL,
    site_id uuid NOT NULL,
    ts timestamptz NOT NULL,
    value double precision NOT NULL,
    PRIMARY KEY (stream_id, ts)
) PARTITION BY RANGE (ts);

-- Rollups: one row per stream and bucket (date_bin from the Unix epoch), updated in the ingest transaction.
-- `last` is the value of the reading with the greatest (ts, value).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sensor_readings_1m', 'sensor_readings_5m', 'sensor_readings_1h'] LOOP
        EXECUTE format(
            'CREATE TABLE %I ('
            '    stream_id uuid NOT NULL,'
            '    site_id uuid NOT NULL,'
            '    bucket timestamptz NOT NULL,'
            '    min double precision NOT NULL,'
            '    max double precision NOT NULL,'
            '    sum double precision NOT NULL,'
            '    count bigint NOT NULL CHECK (count > 0),'
            '    last_ts timestamptz NOT NULL,'
            '    last double precision NOT NULL,'
            '    PRIMARY KEY (stream_id, bucket)'
            ')',
            t
        );
    END LOOP;
END
$$;

-- Payloads the ingest path could not use. site_id is NULL when the payload named no usable site; such rows are
-- visible to the owner only. Written through harvestry_dead_letter() below.
CREATE TABLE telemetry_dead_letters (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id uuid,
    device text NOT NULL CHECK (length(device) <= 200),
    source text NOT NULL CHECK (source IN ('mqtt', 'grpc', 'http')),
    reason text NOT NULL CHECK (reason ~ '^[A-Z][A-Z0-9_]{1,63}$'),
    detail text NOT NULL CHECK (length(detail) <= 4000),
    payload bytea NOT NULL CHECK (length(payload) <= 1048576),
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX telemetry_dead_letters_site_idx ON telemetry_dead_letters (site_id, received_at DESC);

CREATE TABLE alert_rules (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    stream_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('threshold', 'deviation', 'rate_of_change')),
    display_name text CHECK (length(display_name) BETWEEN 1 AND 200),
    lower double precision,
    upper double precision,
    target double precision,
    band double precision CHECK (band >= 0),
    duration_seconds double precision CHECK (duration_seconds >= 0),
    rate_per_minute double precision CHECK (rate_per_minute > 0),
    -- Evaluation state: when the current breach began (deviation), the previous reading (rate of change).
    breach_since timestamptz,
    previous_ts timestamptz,
    previous_value double precision,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, site_id),
    FOREIGN KEY (stream_id, site_id) REFERENCES sensor_streams (id, site_id) ON DELETE CASCADE
);
CREATE INDEX alert_rules_stream_idx ON alert_rules (stream_id);

CREATE TABLE alert_instances (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    rule_id uuid NOT NULL,
    stream_id uuid NOT NULL,
    fired_at timestamptz NOT NULL,
    cleared_at timestamptz,
    value double precision NOT NULL,
    message text NOT NULL CHECK (length(message) <= 500),
    FOREIGN KEY (rule_id, site_id) REFERENCES alert_rules (id, site_id) ON DELETE CASCADE
);
-- At most one open alert per rule.
CREATE UNIQUE INDEX alert_instances_open_idx ON alert_instances (rule_id) WHERE cleared_at IS NULL;
CREATE INDEX alert_instances_site_idx ON alert_instances (site_id, fired_at DESC);

-- Row-level security: the site policy of 0003.
GRANT SELECT, INSERT ON sensor_streams, sensor_readings TO harvestry_service;
GRANT SELECT, INSERT, UPDATE ON sensor_readings_1m, sensor_readings_5m, sensor_readings_1h TO harvestry_service;
GRANT SELECT, INSERT, UPDATE ON alert_rules, alert_instances TO harvestry_service;
GRANT SELECT ON telemetry_dead_letters TO harvestry_service;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'sensor_streams', 'sensor_readings', 'sensor_readings_1m', 'sensor_readings_5m', 'sensor_readings_1h',
        'telemetry_dead_letters', 'alert_rules', 'alert_instances'
    ] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I TO harvestry_service '
            'USING (site_id = ANY (harvestry_site_ids())) WITH CHECK (site_id = ANY (harvestry_site_ids()))',
            t || '_scope', t
        );
    END LOOP;
END
$$;

-- Creates the missing daily partitions of sensor_readings for the UTC days from p_from to p_to (at most 400), and
-- returns how many it created. Runs with the owner's rights: the service role has no DDL. Call it in a short
-- transaction of its own: creating a partition locks the parent until commit.
CREATE FUNCTION harvestry_ensure_reading_partitions(p_from timestamptz, p_to timestamptz) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    DECLARE
        d date := (p_from AT TIME ZONE 'UTC')::date;
        last_day date := (p_to AT TIME ZONE 'UTC')::date;
        name text;
        created integer := 0;
    BEGIN
        IF last_day - d > 400 THEN
            RAISE EXCEPTION 'at most 400 partitions at once (% to %)', p_from, p_to;
        END IF;
        WHILE d <= last_day LOOP
            name := 'sensor_readings_' || to_char(d, 'YYYYMMDD');
            IF to_regclass('public.' || name) IS NULL THEN
                BEGIN
                    EXECUTE format(
                        'CREATE TABLE public.%I PARTITION OF public.sensor_readings FOR VALUES FROM (%L) TO (%L)',
                        name, d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC'
                    );
                    created := created + 1;
                EXCEPTION WHEN duplicate_table THEN
                    NULL; -- another instance created it meanwhile
                END;
            END IF;
            d := d + 1;
        END LOOP;
        RETURN created;
    END
    $$;

-- Retention: drops the raw partitions that end at or before p_raw_before and deletes rollup buckets older than
-- p_rollups_before. Returns the number of partitions dropped.
CREATE FUNCTION harvestry_telemetry_retention(p_raw_before timestamptz, p_rollups_before timestamptz)
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    DECLARE
        part record;
        dropped integer := 0;
    BEGIN
        FOR part IN
            SELECT c.relname
            FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'public.sensor_readings'::regclass
              AND c.relname ~ '^sensor_readings_[0-9]{8}$'
              AND (to_date(substr(c.relname, 17), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC' <= p_raw_before
        LOOP
            EXECUTE format('DROP TABLE public.%I', part.relname);
            dropped := dropped + 1;
        END LOOP;
        DELETE FROM public.sensor_readings_1m WHERE bucket < p_rollups_before;
        DELETE FROM public.sensor_readings_5m WHERE bucket < p_rollups_before;
        DELETE FROM public.sensor_readings_1h WHERE bucket < p_rollups_before;
        RETURN dropped;
    END
    $$;

-- Records a payload the ingest path could not use; the site may be unknown, which the site policy could not admit.
CREATE FUNCTION harvestry_dead_letter(
    p_site_id uuid, p_device text, p_source text, p_reason text, p_detail text, p_payload bytea
) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        INSERT INTO public.telemetry_dead_letters (site_id, device, source, reason, detail, payload)
        VALUES (p_site_id, p_device, p_source, p_reason, p_detail, p_payload)
        RETURNING id
    $$;

-- Offline detection: devices not yet offline whose latest heartbeat is older than p_before, in every site, with
-- their organization (the sweep then marks each one under its own site's scope and audits the change).
CREATE FUNCTION harvestry_stale_devices(p_before timestamptz)
    RETURNS TABLE (equipment_id uuid, site_id uuid, organization_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        SELECT h.equipment_id, h.site_id, s.organization_id
        FROM public.device_health h JOIN public.sites s ON s.id = h.site_id
        WHERE h.status <> 'offline' AND h.last_heartbeat_at < p_before
        ORDER BY h.last_heartbeat_at
        LIMIT 10000
    $$;

-- The organization of a site, for the audit rows of device links that act for a site without a user session.
CREATE FUNCTION harvestry_site_organization(p_site_id uuid) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$ SELECT organization_id FROM public.sites WHERE id = p_site_id $$;

REVOKE ALL ON FUNCTION harvestry_stale_devices(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION harvestry_site_organization(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION harvestry_stale_devices(timestamptz) TO harvestry_service;
GRANT EXECUTE ON FUNCTION harvestry_site_organization(uuid) TO harvestry_service;
REVOKE ALL ON FUNCTION harvestry_ensure_reading_partitions(timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION harvestry_telemetry_retention(timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION harvestry_dead_letter(uuid, text, text, text, text, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION harvestry_ensure_reading_partitions(timestamptz, timestamptz) TO harvestry_service;
GRANT EXECUTE ON FUNCTION harvestry_telemetry_retention(timestamptz, timestamptz) TO harvestry_service;
GRANT EXECUTE ON FUNCTION harvestry_dead_letter(uuid, text, text, text, text, bytea) TO harvestry_service;
