import Edge

/// A valid config exercising every setting, and a reader that serves the files it names from memory.
enum EdgeConfigurationFixtures {
    static let deviceID = "6f1c2b9e-3d4a-5b6c-8d7e-9f0a1b2c3d4e"

    static let valid = """
        # The edge agent on site
        [uplink]
        target = platform.example.com:8443
        tls = true
        token_file = edge.token
        batch_size = 250

        [spool]
        directory = /var/lib/harvestry-edge/spool
        max_bytes = 512MiB

        [health]
        listen = 0.0.0.0:9108

        [device inverter-1]
        device_id = \(deviceID)
        host = 192.168.1.50
        port = 502
        unit_id = 1
        register_map = sungrow
        registers = total_dc_power, total_active_power, battery_level, export_power
        stream.total_dc_power = pv_power
        poll_interval = 5s
        request_gap = 30ms
        response_timeout = 1500ms
        max_block_registers = 100
        max_block_gap = 16
        max_backoff = 2m

        [device meter]
        device_id = 0b8f3a52-7c1d-4e2f-9a3b-5c6d7e8f9a0b
        host = meter.local
        register_map = maps/meter.csv
        registers = grid_power, grid_voltage
        """

    static let meterMap = """
        name,address,register,type,scale,unit,word_order
        grid_power,1,holding,S32,0.1,W,high_first
        grid_voltage,3,holding,U16,0.1,V,

        """

    static let files: [String: String] = ["edge.token": "  s3cret-token\n", "maps/meter.csv": meterMap]

    static func parse(_ text: String, file: String = "edge.conf") throws(EdgeConfigurationError) -> EdgeConfiguration {
        try EdgeConfiguration(text: text, file: file) {
            (path: String, entry: ConfigEntryReference) throws(EdgeConfigurationError) -> String in
            guard let content = files[path] else {
                throw EdgeConfigurationError(file: entry.file, line: entry.line, field: entry.key, message: "no file")
            }
            return content
        }
    }
}
