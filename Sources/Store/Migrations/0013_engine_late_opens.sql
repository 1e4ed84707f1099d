-- The run engine also visits sites with a late open: an `open` command of a run that finished within the last
-- hour, confirmed EXECUTED (or ended TIMEOUT: the device may have acted) and not applied to its run yet. The engine
-- answers it with a close (`IrrigationRun.commandSettled`), even if the in-memory report of the settlement was lost.
CREATE OR REPLACE FUNCTION harvestry_irrigation_engine_sites(p_sites uuid[] DEFAULT NULL)
    RETURNS TABLE (site_id uuid, organization_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        SELECT s.id, s.organization_id FROM public.sites s
        WHERE (p_sites IS NULL AND (
                s.id IN (
                    SELECT r.site_id FROM public.irrigation_runs r WHERE r.status IN ('Queued', 'Running', 'Aborting')
                )
                OR s.id IN (
                    SELECT c.site_id FROM public.device_commands c
                    JOIN public.irrigation_runs r ON r.id = c.run_id
                    WHERE r.status IN ('Completed', 'Aborted') AND r.stopped_at > now() - interval '1 hour'
                      AND c.action = 'open' AND c.status IN ('EXECUTED', 'TIMEOUT')
                      AND NOT EXISTS (
                          SELECT 1 FROM public.irrigation_applied_settlements a WHERE a.command_id = c.id
                      )
                )
            ))
            OR s.id = ANY (p_sites)
    $$;
REVOKE ALL ON FUNCTION harvestry_irrigation_engine_sites(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION harvestry_irrigation_engine_sites(uuid[]) TO harvestry_service;
