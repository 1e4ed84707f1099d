-- The row-level-security policy of sensor_readings called harvestry_site_ids() for every row an INSERT wrote, which
-- parsed the harvestry.site_ids setting into a uuid[] each time: after the insert itself, the largest per-row cost
-- of the telemetry ingest statement. As a scalar subquery it becomes an InitPlan, evaluated once per statement; the
-- meaning is the same (the setting cannot change while a statement runs). The cast keeps ANY from reading the
-- subquery as a set of arrays.
ALTER POLICY sensor_readings_scope ON sensor_readings
    USING (site_id = ANY ((SELECT harvestry_site_ids())::uuid[]))
    WITH CHECK (site_id = ANY ((SELECT harvestry_site_ids())::uuid[]));
