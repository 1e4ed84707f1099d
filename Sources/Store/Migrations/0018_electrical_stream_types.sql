-- Electrical stream types for inverters (issue 8; the Sungrow register map): power (W), energy (kWh), voltage (V),
-- current (A), frequency (Hz) and a battery's state of charge and health (%). `StreamType` in the domain holds
-- their canonical units and plausible ranges.
ALTER TABLE sensor_streams DROP CONSTRAINT sensor_streams_type_value;
ALTER TABLE sensor_streams ADD CONSTRAINT sensor_streams_type_value CHECK (stream_type IN (
    'temperature', 'humidity', 'ec', 'ph', 'moisture', 'co2', 'vpd', 'pressure', 'ppfd', 'flow', 'tds',
    'power', 'energy', 'voltage', 'current', 'frequency', 'state_of_charge', 'state_of_health'
));
