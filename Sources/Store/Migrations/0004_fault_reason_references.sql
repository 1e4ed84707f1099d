-- A device's reported fault must be one of the known reason codes.
ALTER TABLE device_health
    ADD CONSTRAINT device_health_fault_code_fkey FOREIGN KEY (fault_code) REFERENCES fault_reason_codes (code);
