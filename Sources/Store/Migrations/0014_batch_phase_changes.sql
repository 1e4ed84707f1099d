-- Batch phase changes (issue 7 item 1/6: schedules "on batch phase change"). `batches.phase` (0002) is changed only
-- through `BatchRepository.changePhase`, which locks the batch, checks the transition in the domain
-- (`BatchPhase.transition`), updates the phase and inserts one `batch_phase_changes` row in the same transaction,
-- with its audit row. The irrigation scheduler fires every matching `batch_phase_change` schedule once per change:
-- the claim is a row of `irrigation_phase_fires` (primary key (phase_change_id, schedule_id), ON CONFLICT DO
-- NOTHING), like the time fires of 0011. See docs/irrigation.md, "Batch phase changes".

ALTER TABLE batches ADD CONSTRAINT batches_id_site_key UNIQUE (id, site_id);

-- One row per phase change: which batch, its room at the change (the schedules whose group lies in that room fire),
-- from and to, who (the request's user; NULL only for a system change) and when (the database's clock).
CREATE TABLE batch_phase_changes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id uuid NOT NULL,
    batch_id uuid NOT NULL,
    room_id uuid,
    from_phase text NOT NULL CONSTRAINT batch_phase_changes_from_phase_value
        CHECK (from_phase IN ('propagation', 'veg', 'flower', 'harvest', 'closed')),
    to_phase text NOT NULL CONSTRAINT batch_phase_changes_to_phase_value
        CHECK (to_phase IN ('propagation', 'veg', 'flower', 'harvest', 'closed')),
    changed_by uuid REFERENCES users (id),
    changed_at timestamptz NOT NULL DEFAULT now(),
    note text CONSTRAINT batch_phase_changes_note_length CHECK (length(note) BETWEEN 1 AND 1000),
    -- Order of the changes of one batch (changed_at can tie within a transaction's now()).
    seq bigint GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT batch_phase_changes_changed CHECK (from_phase <> to_phase),
    UNIQUE (id, site_id),
    FOREIGN KEY (batch_id, site_id) REFERENCES batches (id, site_id),
    FOREIGN KEY (room_id, site_id) REFERENCES rooms (id, site_id)
);
CREATE INDEX batch_phase_changes_batch_idx ON batch_phase_changes (batch_id, seq DESC);
CREATE INDEX batch_phase_changes_site_idx ON batch_phase_changes (site_id, changed_at DESC);

GRANT SELECT, INSERT ON batch_phase_changes TO harvestry_service;
ALTER TABLE batch_phase_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE batch_phase_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY batch_phase_changes_scope ON batch_phase_changes TO harvestry_service
    USING (site_id = ANY ((SELECT harvestry_site_ids())::uuid[]))
    WITH CHECK (site_id = ANY ((SELECT harvestry_site_ids())::uuid[]));

-- One row per (phase change, schedule) decided by the scheduler: `claimed` before StartRun, then `started` (with the
-- run) or `failed` (with the error); `skipped` with the reason when the change was seen too late or the batch had
-- already moved on. Never retried, as for time fires.
CREATE TABLE irrigation_phase_fires (
    phase_change_id uuid NOT NULL,
    schedule_id uuid NOT NULL,
    site_id uuid NOT NULL,
    outcome text NOT NULL CONSTRAINT irrigation_phase_fires_outcome_value
        CHECK (outcome IN ('claimed', 'started', 'failed', 'skipped')),
    run_id uuid,
    error text CONSTRAINT irrigation_phase_fires_error_length CHECK (length(error) BETWEEN 1 AND 1000),
    skip_reason text CONSTRAINT irrigation_phase_fires_skip_reason_value CHECK (skip_reason IN ('late', 'superseded')),
    instance text NOT NULL CONSTRAINT irrigation_phase_fires_instance_length CHECK (length(instance) BETWEEN 1 AND 200),
    decided_at timestamptz NOT NULL,
    finished_at timestamptz,
    PRIMARY KEY (phase_change_id, schedule_id),
    CONSTRAINT irrigation_phase_fires_run_required CHECK ((outcome = 'started') = (run_id IS NOT NULL)),
    CONSTRAINT irrigation_phase_fires_error_required CHECK ((outcome = 'failed') = (error IS NOT NULL)),
    CONSTRAINT irrigation_phase_fires_skip_reason_required CHECK ((outcome = 'skipped') = (skip_reason IS NOT NULL)),
    CONSTRAINT irrigation_phase_fires_finished_required CHECK ((outcome = 'claimed') = (finished_at IS NULL)),
    FOREIGN KEY (phase_change_id, site_id) REFERENCES batch_phase_changes (id, site_id),
    FOREIGN KEY (schedule_id, site_id) REFERENCES irrigation_schedules (id, site_id) ON DELETE CASCADE
);
CREATE INDEX irrigation_phase_fires_schedule_idx ON irrigation_phase_fires (schedule_id);

GRANT SELECT, INSERT, UPDATE ON irrigation_phase_fires TO harvestry_service;
ALTER TABLE irrigation_phase_fires ENABLE ROW LEVEL SECURITY;
ALTER TABLE irrigation_phase_fires FORCE ROW LEVEL SECURITY;
CREATE POLICY irrigation_phase_fires_scope ON irrigation_phase_fires TO harvestry_service
    USING (site_id = ANY ((SELECT harvestry_site_ids())::uuid[]))
    WITH CHECK (site_id = ANY ((SELECT harvestry_site_ids())::uuid[]));

-- A schedule's phase is part of its trigger: changing it re-arms the schedule like the other trigger fields (0011),
-- so a phase change recorded before the edit never fires the edited schedule.
CREATE OR REPLACE FUNCTION harvestry_irrigation_schedule_rearm() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF NEW.enabled AND (
            NOT OLD.enabled
            OR NEW.trigger_kind IS DISTINCT FROM OLD.trigger_kind
            OR NEW.minute_of_day IS DISTINCT FROM OLD.minute_of_day
            OR NEW.days IS DISTINCT FROM OLD.days
            OR NEW.time_zone IS DISTINCT FROM OLD.time_zone
            OR NEW.phase IS DISTINCT FROM OLD.phase
        ) THEN
            NEW.fires_after := greatest(OLD.fires_after, now());
        END IF;
        RETURN NEW;
    END
    $$;

-- The scheduler works for every site: the sites with an enabled phase schedule and a phase change within the look-
-- back window (ids only); everything else it reads and writes under exactly that site's scope.
CREATE FUNCTION harvestry_irrigation_phase_change_sites(look_back interval)
    RETURNS TABLE (site_id uuid, organization_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        SELECT s.id, s.organization_id FROM public.sites s
        WHERE s.id IN (
            SELECT i.site_id FROM public.irrigation_schedules i
            WHERE i.enabled AND i.trigger_kind = 'batch_phase_change'
        )
        AND s.id IN (SELECT c.site_id FROM public.batch_phase_changes c WHERE c.changed_at > now() - look_back)
        ORDER BY s.id
    $$;
REVOKE ALL ON FUNCTION harvestry_irrigation_phase_change_sites(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION harvestry_irrigation_phase_change_sites(interval) TO harvestry_service;
