-- Identity (organization-owned), training (site-owned), the spatial model and equipment registry (site-owned) and
-- the hash-chained audit log. Every child carries its parent's site_id and references the parent through
-- (id, site_id), so a row can never point into another site. Row-level security follows in 0003.

-- Composite keys for the (id, organization_id) / (id, site_id) foreign keys below.
ALTER TABLE sites ADD CONSTRAINT sites_id_organization_key UNIQUE (id, organization_id);

-- Identity ----------------------------------------------------------------------------------------------------------

-- The role catalogue is global reference data: what a role may do is code (ABAC), not data.
CREATE TABLE roles (
    name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z_]{1,39}$'),
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 200)
);
INSERT INTO roles (name, description) VALUES
    ('admin', 'Administers users, sites and configuration of the organization'),
    ('manager', 'Runs the site: plans, approves and overrides within policy'),
    ('supervisor', 'Leads a shift; may act as the second person for high-risk actions'),
    ('operator', 'Performs cultivation tasks on the floor'),
    ('technician', 'Maintains and calibrates equipment'),
    ('compliance', 'Reviews audit trails, releases and destruction'),
    ('viewer', 'Reads only');

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    email text NOT NULL CONSTRAINT users_email_format
        CHECK (length(email) BETWEEN 3 AND 254 AND email ~ '^[^@\s]+@[^@\s]+$' AND email = lower(email)),
    display_name text NOT NULL CONSTRAINT users_display_name_length CHECK (length(display_name) BETWEEN 1 AND 200),
    status text NOT NULL DEFAULT 'invited' CONSTRAINT users_status_value
        CHECK (status IN ('invited', 'active', 'disabled')),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, email),
    UNIQUE (id, organization_id)
);

CREATE TABLE user_sites (
    organization_id uuid NOT NULL,
    user_id uuid NOT NULL,
    site_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, site_id),
    FOREIGN KEY (user_id, organization_id) REFERENCES users (id, organization_id) ON DELETE CASCADE,
    FOREIGN KEY (site_id, organization_id) REFERENCES sites (id, organization_id)
);
CREATE INDEX user_sites_site_id_idx ON user_sites (site_id);

-- Roles are organization-wide; site reach comes from user_sites.
CREATE TABLE user_roles (
    organization_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role text NOT NULL REFERENCES roles (name),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, role),
    FOREIGN KEY (user_id, organization_id) REFERENCES users (id, organization_id) ON DELETE CASCADE
);

-- A badge's code is a credential: only its SHA-256 is stored (the last four characters help people tell badges
-- apart). Codes are unique across organizations because badge login names no organization.
CREATE TABLE badges (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    user_id uuid NOT NULL,
    code_sha256 bytea NOT NULL UNIQUE CHECK (length(code_sha256) = 32),
    code_hint text NOT NULL CHECK (length(code_hint) BETWEEN 1 AND 4),
    status text NOT NULL DEFAULT 'active' CONSTRAINT badges_status_value CHECK (status IN ('active', 'revoked')),
    issued_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL)),
    UNIQUE (id, organization_id),
    FOREIGN KEY (user_id, organization_id) REFERENCES users (id, organization_id)
);
CREATE INDEX badges_user_id_idx ON badges (user_id);

CREATE TABLE device_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    user_id uuid NOT NULL,
    badge_id uuid,
    device_id text NOT NULL CONSTRAINT device_sessions_device_id_length CHECK (length(device_id) BETWEEN 1 AND 128),
    started_at timestamptz NOT NULL DEFAULT now(),
    last_activity_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    end_reason text CHECK (end_reason IN ('logout', 'badge_revoked', 'expired', 'revoked')),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
    FOREIGN KEY (user_id, organization_id) REFERENCES users (id, organization_id),
    FOREIGN KEY (badge_id, organization_id) REFERENCES badges (id, organization_id)
);
CREATE INDEX device_sessions_user_id_idx ON device_sessions (user_id);
CREATE INDEX device_sessions_open_badge_idx ON device_sessions (badge_id) WHERE ended_at IS NULL;

-- SOPs and training, enough for task gating: a user may do a gated task when they hold a current sign-off of the
-- training the task's SOP requires.
CREATE TABLE sops (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL REFERENCES sites (id),
    code text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'retired')),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, code, version),
    UNIQUE (id, site_id)
);

CREATE TABLE trainings (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    sop_id uuid NOT NULL,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    valid_days integer CHECK (valid_days BETWEEN 1 AND 3650),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, site_id),
    FOREIGN KEY (sop_id, site_id) REFERENCES sops (id, site_id)
);

CREATE TABLE assignments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    training_id uuid NOT NULL,
    user_id uuid NOT NULL,
    due_at timestamptz,
    status text NOT NULL DEFAULT 'assigned' CHECK (status IN ('assigned', 'completed', 'expired', 'cancelled')),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, site_id),
    FOREIGN KEY (training_id, site_id) REFERENCES trainings (id, site_id),
    -- The trainee must belong to the site.
    FOREIGN KEY (user_id, site_id) REFERENCES user_sites (user_id, site_id)
);

CREATE TABLE signoffs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    assignment_id uuid NOT NULL,
    user_id uuid NOT NULL,
    witness_user_id uuid,
    score integer CHECK (score BETWEEN 0 AND 100),
    signed_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    FOREIGN KEY (assignment_id, site_id) REFERENCES assignments (id, site_id),
    FOREIGN KEY (user_id, site_id) REFERENCES user_sites (user_id, site_id),
    FOREIGN KEY (witness_user_id, site_id) REFERENCES user_sites (user_id, site_id),
    CHECK (witness_user_id IS DISTINCT FROM user_id)
);

-- Spatial model -----------------------------------------------------------------------------------------------------

CREATE TABLE rooms (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL REFERENCES sites (id),
    code text NOT NULL CONSTRAINT rooms_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    name text NOT NULL CONSTRAINT rooms_name_length CHECK (length(name) BETWEEN 1 AND 200),
    room_type text NOT NULL CONSTRAINT rooms_room_type_value CHECK (
        room_type IN ('mother', 'clone', 'veg', 'flower', 'dry', 'cure', 'processing', 'vault', 'storage', 'other')
    ),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, code),
    UNIQUE (id, site_id)
);

CREATE TABLE zones (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    room_id uuid NOT NULL,
    code text NOT NULL CONSTRAINT zones_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    name text NOT NULL CONSTRAINT zones_name_length CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, code),
    UNIQUE (id, site_id),
    FOREIGN KEY (room_id, site_id) REFERENCES rooms (id, site_id)
);
CREATE INDEX zones_room_id_idx ON zones (room_id);

CREATE TABLE racks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    zone_id uuid NOT NULL,
    code text NOT NULL CONSTRAINT racks_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    name text NOT NULL CONSTRAINT racks_name_length CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, code),
    UNIQUE (id, site_id),
    FOREIGN KEY (zone_id, site_id) REFERENCES zones (id, site_id)
);
CREATE INDEX racks_zone_id_idx ON racks (zone_id);

CREATE TABLE bins (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    rack_id uuid NOT NULL,
    code text NOT NULL CONSTRAINT bins_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    name text NOT NULL CONSTRAINT bins_name_length CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, code),
    UNIQUE (id, site_id),
    FOREIGN KEY (rack_id, site_id) REFERENCES racks (id, site_id)
);
CREATE INDEX bins_rack_id_idx ON bins (rack_id);

-- Where inventory can be: a vault, a room, or a precise zone/rack/bin; at most one anchor, always in the same site.
CREATE TABLE inventory_locations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL REFERENCES sites (id),
    code text NOT NULL CONSTRAINT inventory_locations_code_format
        CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    name text NOT NULL CONSTRAINT inventory_locations_name_length CHECK (length(name) BETWEEN 1 AND 200),
    location_type text NOT NULL CONSTRAINT inventory_locations_location_type_value
        CHECK (location_type IN ('vault', 'storage', 'quarantine', 'staging', 'room', 'zone', 'rack', 'bin')),
    room_id uuid,
    zone_id uuid,
    rack_id uuid,
    bin_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, code),
    CHECK (num_nonnulls(room_id, zone_id, rack_id, bin_id) <= 1),
    FOREIGN KEY (room_id, site_id) REFERENCES rooms (id, site_id),
    FOREIGN KEY (zone_id, site_id) REFERENCES zones (id, site_id),
    FOREIGN KEY (rack_id, site_id) REFERENCES racks (id, site_id),
    FOREIGN KEY (bin_id, site_id) REFERENCES bins (id, site_id)
);

-- Equipment registry: one table, `kind` says what it is; valves carry a load class (HL = high load, STD = standard),
-- nothing else does.
CREATE TABLE equipment (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL REFERENCES sites (id),
    code text NOT NULL CONSTRAINT equipment_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    name text NOT NULL CONSTRAINT equipment_name_length CHECK (length(name) BETWEEN 1 AND 200),
    kind text NOT NULL CONSTRAINT equipment_kind_value
        CHECK (kind IN ('sensor', 'valve', 'pump', 'controller', 'inverter')),
    model text CONSTRAINT equipment_model_length CHECK (length(model) BETWEEN 1 AND 100),
    serial_number text CONSTRAINT equipment_serial_number_length CHECK (length(serial_number) BETWEEN 1 AND 100),
    valve_load_class text CONSTRAINT equipment_valve_load_class_value CHECK (valve_load_class IN ('HL', 'STD')),
    room_id uuid,
    zone_id uuid,
    status text NOT NULL DEFAULT 'active' CONSTRAINT equipment_status_value
        CHECK (status IN ('active', 'maintenance', 'retired')),
    calibration_due_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, code),
    UNIQUE (id, site_id),
    UNIQUE (id, site_id, kind),
    CONSTRAINT equipment_valve_load_class_required CHECK ((kind = 'valve') = (valve_load_class IS NOT NULL)),
    FOREIGN KEY (room_id, site_id) REFERENCES rooms (id, site_id),
    FOREIGN KEY (zone_id, site_id) REFERENCES zones (id, site_id)
);
CREATE INDEX equipment_zone_id_idx ON equipment (zone_id);

CREATE TABLE equipment_calibrations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    equipment_id uuid NOT NULL,
    performed_at timestamptz NOT NULL,
    result text NOT NULL CONSTRAINT equipment_calibrations_result_value
        CHECK (result IN ('pass', 'fail', 'adjusted')),
    next_due_at timestamptz,
    performed_by uuid REFERENCES users (id),
    notes text CONSTRAINT equipment_calibrations_notes_length CHECK (length(notes) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (equipment_id, site_id) REFERENCES equipment (id, site_id) ON DELETE CASCADE
);
CREATE INDEX equipment_calibrations_equipment_idx ON equipment_calibrations (equipment_id, performed_at DESC);

-- The latest heartbeat per device (the history belongs to telemetry).
CREATE TABLE device_health (
    equipment_id uuid PRIMARY KEY,
    site_id uuid NOT NULL,
    status text NOT NULL CONSTRAINT device_health_status_value CHECK (status IN ('online', 'degraded', 'offline')),
    last_heartbeat_at timestamptz NOT NULL,
    firmware_version text CONSTRAINT device_health_firmware_version_length
        CHECK (length(firmware_version) BETWEEN 1 AND 64),
    uptime_seconds bigint CHECK (uptime_seconds >= 0),
    signal_dbm integer CHECK (signal_dbm BETWEEN -150 AND 50),
    fault_code text,
    FOREIGN KEY (equipment_id, site_id) REFERENCES equipment (id, site_id) ON DELETE CASCADE
);

-- Only valves map to zones: the foreign key includes the kind.
CREATE TABLE valve_zone_mappings (
    valve_id uuid NOT NULL,
    zone_id uuid NOT NULL,
    site_id uuid NOT NULL,
    valve_kind text NOT NULL DEFAULT 'valve' CHECK (valve_kind = 'valve'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (valve_id, zone_id),
    FOREIGN KEY (valve_id, site_id, valve_kind) REFERENCES equipment (id, site_id, kind) ON DELETE CASCADE,
    FOREIGN KEY (zone_id, site_id) REFERENCES zones (id, site_id)
);
CREATE INDEX valve_zone_mappings_zone_idx ON valve_zone_mappings (zone_id);

-- Why a device latched a fault: global reference data.
CREATE TABLE fault_reason_codes (
    code text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,39}$'),
    category text NOT NULL CHECK (category IN ('safety', 'hydraulic', 'electrical', 'communication', 'sensor')),
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 200)
);
INSERT INTO fault_reason_codes (code, category, description) VALUES
    ('ESTOP', 'safety', 'Emergency stop pressed'),
    ('DOOR_OPEN', 'safety', 'Enclosure door open'),
    ('OVER_PRESSURE', 'hydraulic', 'Line pressure above limit'),
    ('LOW_FLOW', 'hydraulic', 'Flow below expected while a valve is open'),
    ('LEAK_DETECTED', 'hydraulic', 'Leak sensor wet'),
    ('OVER_CURRENT', 'electrical', 'Valve or pump drew more current than its load class allows'),
    ('POWER_LOSS', 'electrical', 'Supply lost or failed over'),
    ('HEARTBEAT_LOST', 'communication', 'No heartbeat within the timeout'),
    ('BROKER_UNREACHABLE', 'communication', 'MQTT broker unreachable'),
    ('SENSOR_OUT_OF_RANGE', 'sensor', 'Reading outside the physical range'),
    ('CALIBRATION_OVERDUE', 'sensor', 'Calibration past due');

-- Audit -------------------------------------------------------------------------------------------------------------

-- One chain per site (site-scoped events) and one per organization (chain_id = organization id, site_id NULL).
-- row_hash = SHA-256 over the canonical bytes of the row including prev_hash (see Domain/Audit/AuditChain.swift);
-- the head row holds the last sequence number and hash, and appenders lock it (SELECT ... FOR UPDATE), so concurrent
-- writers of one chain serialize.
CREATE TABLE audit_chain_heads (
    chain_id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    site_id uuid REFERENCES sites (id),
    seq bigint NOT NULL CHECK (seq >= 0),
    row_hash bytea NOT NULL CHECK (length(row_hash) = 32),
    CHECK (chain_id = coalesce(site_id, organization_id))
);

CREATE TABLE audit_logs (
    chain_id uuid NOT NULL REFERENCES audit_chain_heads (chain_id),
    seq bigint NOT NULL CHECK (seq >= 1),
    organization_id uuid NOT NULL,
    site_id uuid,
    actor_user_id uuid,
    action text NOT NULL CHECK (action ~ '^[a-z][a-z_.]{1,63}$'),
    resource_type text NOT NULL CHECK (length(resource_type) BETWEEN 1 AND 64),
    resource_id text NOT NULL CHECK (length(resource_id) BETWEEN 1 AND 128),
    request_id text CHECK (length(request_id) BETWEEN 1 AND 128),
    details text NOT NULL DEFAULT '' CHECK (length(details) <= 8000),
    occurred_at timestamptz NOT NULL,
    prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),
    row_hash bytea NOT NULL CHECK (length(row_hash) = 32),
    PRIMARY KEY (chain_id, seq),
    CHECK (chain_id = coalesce(site_id, organization_id))
);
CREATE INDEX audit_logs_resource_idx ON audit_logs (resource_type, resource_id);

-- Cultivation basics the pilot seed needs (batch management proper comes with its own issue).
CREATE TABLE strains (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL REFERENCES sites (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    strain_type text NOT NULL CHECK (strain_type IN ('indica', 'sativa', 'hybrid')),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, name),
    UNIQUE (id, site_id)
);

CREATE TABLE batches (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    strain_id uuid NOT NULL,
    room_id uuid,
    code text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    phase text NOT NULL CHECK (phase IN ('propagation', 'veg', 'flower', 'harvest', 'closed')),
    plant_count integer NOT NULL CHECK (plant_count BETWEEN 0 AND 100000),
    started_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, code),
    FOREIGN KEY (strain_id, site_id) REFERENCES strains (id, site_id),
    FOREIGN KEY (room_id, site_id) REFERENCES rooms (id, site_id)
);
