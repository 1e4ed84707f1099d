-- Row-level security. The services connect as harvestry_service: it owns nothing, cannot bypass RLS and holds only
-- the grants below. Every request runs in a transaction that first sets its scope with set_config(..., true)
-- (transaction-local): harvestry.organization_id, harvestry.user_id and harvestry.site_ids (a uuid[] literal).
-- Without a scope a policy sees nothing. The migrating role keeps owning everything; it must be able to bypass RLS
-- (a superuser, or BYPASSRLS), because the pre-authentication functions below run with its rights.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'the migrating role % must be a superuser or have BYPASSRLS', current_user
            USING HINT = 'run the migrations as the database owner with BYPASSRLS; the services use harvestry_service';
    END IF;
    -- Roles are cluster-wide: another database of this cluster may have created it already, maybe concurrently.
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'harvestry_service') THEN
        BEGIN
            -- LOGIN without a password: usable over trust/peer/cert (the embedded server), inert under password
            -- authentication until an operator sets one.
            CREATE ROLE harvestry_service LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF EXISTS (
        SELECT 1 FROM pg_roles WHERE rolname = 'harvestry_service'
            AND (rolsuper OR rolbypassrls OR rolcreatedb OR rolcreaterole OR rolreplication)
    ) THEN
        ALTER ROLE harvestry_service NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
    END IF;
    -- Lets the owner's pool `SET ROLE harvestry_service` after connecting (one-URL deployments); superusers may
    -- already.
    IF NOT pg_has_role(current_user, 'harvestry_service', 'MEMBER') THEN
        GRANT harvestry_service TO CURRENT_USER;
    END IF;
END
$$;

-- The request scope, read from the transaction's settings; empty or missing means nothing is in scope.
CREATE FUNCTION harvestry_organization_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('harvestry.organization_id', true), '')::uuid $$;
CREATE FUNCTION harvestry_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('harvestry.user_id', true), '')::uuid $$;
CREATE FUNCTION harvestry_site_ids() RETURNS uuid[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(nullif(current_setting('harvestry.site_ids', true), ''), '{}')::uuid[] $$;

GRANT USAGE ON SCHEMA public TO harvestry_service;

-- Reference data: readable, not writable.
GRANT SELECT ON roles, fault_reason_codes TO harvestry_service;

-- Tenancy roots: readable within scope only.
GRANT SELECT ON organizations, sites TO harvestry_service;
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY organizations_scope ON organizations TO harvestry_service
    USING (id = harvestry_organization_id());
ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE sites FORCE ROW LEVEL SECURITY;
CREATE POLICY sites_scope ON sites TO harvestry_service
    USING (organization_id = harvestry_organization_id() AND id = ANY (harvestry_site_ids()));

-- Organization-owned identity tables.
GRANT SELECT, INSERT, UPDATE ON users, badges, device_sessions TO harvestry_service;
GRANT SELECT, INSERT, DELETE ON user_roles TO harvestry_service;
GRANT SELECT, INSERT, DELETE ON user_sites TO harvestry_service;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'user_roles', 'badges', 'device_sessions'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I TO harvestry_service '
            'USING (organization_id = harvestry_organization_id()) '
            'WITH CHECK (organization_id = harvestry_organization_id())',
            t || '_scope', t
        );
    END LOOP;
END
$$;
-- Site membership: visible across the organization (it says where people work), written only for sites in scope.
ALTER TABLE user_sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_sites FORCE ROW LEVEL SECURITY;
CREATE POLICY user_sites_read ON user_sites FOR SELECT TO harvestry_service
    USING (organization_id = harvestry_organization_id());
CREATE POLICY user_sites_insert ON user_sites FOR INSERT TO harvestry_service
    WITH CHECK (organization_id = harvestry_organization_id() AND site_id = ANY (harvestry_site_ids()));
CREATE POLICY user_sites_delete ON user_sites FOR DELETE TO harvestry_service
    USING (organization_id = harvestry_organization_id() AND site_id = ANY (harvestry_site_ids()));

-- Site-owned tables: one policy each on the request's site scope, for reads and writes alike.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'sops', 'trainings', 'assignments', 'signoffs', 'rooms', 'zones', 'racks', 'bins', 'inventory_locations',
        'equipment', 'equipment_calibrations', 'device_health', 'valve_zone_mappings', 'strains', 'batches'
    ] LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO harvestry_service', t);
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

-- Audit: append and read within scope; never UPDATE or DELETE a log row. Chain heads are locked and advanced by the
-- appender (UPDATE is also what SELECT ... FOR UPDATE needs).
GRANT SELECT, INSERT ON audit_logs TO harvestry_service;
GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO harvestry_service;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['audit_logs', 'audit_chain_heads'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I TO harvestry_service '
            'USING (organization_id = harvestry_organization_id() '
            '       AND (site_id IS NULL OR site_id = ANY (harvestry_site_ids()))) '
            'WITH CHECK (organization_id = harvestry_organization_id() '
            '       AND (site_id IS NULL OR site_id = ANY (harvestry_site_ids())))',
            t || '_scope', t
        );
    END LOOP;
END
$$;

-- Pre-authentication lookups. They run with the owner's rights (SECURITY DEFINER), with a fixed search_path, and
-- return only what authentication needs. Callable by harvestry_service only.

-- The active badge with this code, of a user who is not disabled; no row otherwise.
CREATE FUNCTION harvestry_badge_principal(p_code text)
    RETURNS TABLE (badge_id uuid, user_id uuid, organization_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        SELECT b.id, b.user_id, b.organization_id
        FROM public.badges b
        JOIN public.users u ON u.id = b.user_id
        WHERE b.code_sha256 = sha256(convert_to(p_code, 'UTF8'))
          AND b.status = 'active'
          AND u.status <> 'disabled'
    $$;

-- An open session and the principal behind it (roles, sites); no row when it ended or its user is disabled.
CREATE FUNCTION harvestry_session_principal(p_session_id uuid)
    RETURNS TABLE (
        session_id uuid, user_id uuid, organization_id uuid, device_id text, started_at timestamptz,
        roles text[], site_ids uuid[]
    )
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        SELECT s.id, s.user_id, s.organization_id, s.device_id, s.started_at,
            ARRAY(SELECT r.role FROM public.user_roles r WHERE r.user_id = s.user_id ORDER BY r.role),
            ARRAY(SELECT us.site_id FROM public.user_sites us WHERE us.user_id = s.user_id ORDER BY us.site_id)
        FROM public.device_sessions s
        JOIN public.users u ON u.id = s.user_id
        WHERE s.id = p_session_id
          AND s.ended_at IS NULL
          AND u.status <> 'disabled'
    $$;

REVOKE ALL ON FUNCTION harvestry_badge_principal(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION harvestry_session_principal(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION harvestry_badge_principal(text) TO harvestry_service;
GRANT EXECUTE ON FUNCTION harvestry_session_principal(uuid) TO harvestry_service;
