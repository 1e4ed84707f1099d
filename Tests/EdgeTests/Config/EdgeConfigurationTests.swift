import CoreTransport
import Edge
import Fieldbus
import Foundation
import Testing

@Suite("EdgeConfiguration")
struct EdgeConfigurationTests {
    @Test func aCompleteFileParsesIntoEverySetting() throws {
        let configuration = try EdgeConfigurationFixtures.parse(EdgeConfigurationFixtures.valid)
        #expect(
            configuration.uplink
                == UplinkConfiguration(
                    target: "platform.example.com:8443",
                    token: "s3cret-token",
                    tls: TLSFiles(),
                    batchLimit: 250
                )
        )
        #expect(
            configuration.spool == SpoolConfiguration(directory: "/var/lib/harvestry-edge/spool", maximumBytes: 512 << 20)
        )
        #expect(configuration.health == HealthConfiguration(host: "0.0.0.0", port: 9108))
        #expect(configuration.devices.map(\.name) == ["inverter-1", "meter"])
        let inverter = configuration.devices[0]
        #expect(inverter.platformDeviceId == EdgeConfigurationFixtures.deviceID)
        #expect(inverter.host == "192.168.1.50" && inverter.port == 502 && inverter.unit == 1)
        #expect(inverter.points.map(\.stream) == ["pv_power", "total_active_power", "battery_level", "export_power"])
        #expect(inverter.points[0].register == RegisterMap.sungrow["total_dc_power"])
        #expect(inverter.pollInterval == .seconds(5) && inverter.requestGap == .milliseconds(30))
        #expect(inverter.responseTimeout == .milliseconds(1500) && inverter.maxBackoff == .seconds(120))
        let meter = configuration.devices[1]
        #expect(meter.port == 502 && meter.unit == 1 && meter.registerMapName == "maps/meter.csv")
        #expect(meter.points.map(\.stream) == ["grid_power", "grid_voltage"])
        #expect(meter.points[0].register.wordOrder == .highFirst && meter.points[0].register.table == .holding)
    }

    @Test func defaultsAreTheWiNetSOnes() throws {
        let text = """
            [uplink]
            target = 10.0.0.1:443
            token = abc
            [spool]
            directory = spool
            [device inv]
            device_id = \(EdgeConfigurationFixtures.deviceID)
            host = 127.0.0.1
            """
        let configuration = try EdgeConfigurationFixtures.parse(text)
        let device = try #require(configuration.devices.first)
        #expect(device.pollInterval == .seconds(5) && device.requestGap == .milliseconds(30))
        #expect(device.maxBlockRegisters == 100 && device.maxBlockGap == 16)
        #expect(device.points.count == RegisterMap.sungrow.registers.filter { $0.table == .input }.count)
        #expect(configuration.spool.maximumBytes == 1 << 30 && configuration.spool.fullPolicy == .dropOldest)
        #expect(configuration.health == HealthConfiguration(host: "127.0.0.1", port: 9108))
        #expect(configuration.uplink.tls == TLSFiles() && configuration.uplink.batchLimit == 500)
    }

    static let base = """
        [uplink]
        target = 10.0.0.1:443
        token = abc
        [spool]
        directory = spool
        [device inv]
        device_id = 6f1c2b9e-3d4a-5b6c-8d7e-9f0a1b2c3d4e
        host = 127.0.0.1
        """

    /// Each case appends lines to `base` (lines 1-8) and expects the error's line and field.
    @Test(arguments: [
        ("poll_interval = 5", 9, "poll_interval"),
        ("poll_interval = 10ms", 9, "poll_interval"),
        ("request_gap = -1ms", 9, "request_gap"),
        ("port = 70000", 9, "port"),
        ("unit_id = 248", 9, "unit_id"),
        ("max_block_registers = 126", 9, "max_block_registers"),
        ("max_block_registers = 1\nregisters = total_dc_power", 9, "max_block_registers"),
        ("registers = nope", 9, "registers"),
        ("registers = battery_level, battery_level", 9, "registers"),
        ("stream.battery_level = Soc", 9, "stream.battery_level"),
        ("registers = battery_level\nstream.work_state = state", 10, "stream.work_state"),
        ("stream.battery_level = work_state", 9, "stream.battery_level"),
        ("register_map = fronius", 9, "register_map"),
        ("register_map = missing.csv", 9, "register_map"),
        ("pol_interval = 5s", 9, "pol_interval"),
        ("host = 127.0.0.2", 9, "host"),
        ("max_backoff = 1s", 9, "max_backoff"),
        ("just words", 9, "line"),
        ("[device inv]\ndevice_id = 0b8f3a52-7c1d-4e2f-9a3b-5c6d7e8f9a0b\nhost = h", 9, "section"),
        ("[device other]\ndevice_id = 6f1c2b9e-3d4a-5b6c-8d7e-9f0a1b2c3d4e\nhost = h", 10, "device_id"),
        ("[device other]\nhost = h", 9, "device_id"),
        ("[uplink]", 9, "section"),
        ("[weather]", 9, "section"),
        ("[spool extra]", 9, "section"),
        ("[device]", 9, "section"),
        ("[device a b c]", 9, "section"),
    ])
    func aBadSettingNamesItsLineAndField(extra: String, line: Int, field: String) {
        Self.expectError(in: Self.base + "\n" + extra, line: line, field: field)
    }

    @Test(arguments: [
        (
            "[uplink]\ntoken = a\n[spool]\ndirectory = s\n[device d]\ndevice_id = 6f1c2b9e-3d4a-5b6c-8d7e-9f0a1b2c3d4e\nhost = h",
            1, "target"
        ),
        ("[uplink]\ntarget = h:1\n[spool]\ndirectory = s", 1, "token"),
        ("[uplink]\ntarget = h:1\ntoken = a\ntoken_file = edge.token", 4, "token_file"),
        ("[uplink]\ntarget = h:1\ntoken = a b", 3, "token"),
        ("[uplink]\ntarget = h\ntoken = a", 2, "target"),
        ("[uplink]\ntarget = h:1\ntoken = a\ntls = yes", 4, "tls"),
        ("[uplink]\ntarget = h:1\ntoken = a\n[spool]\ndirectory = s\nmax_bytes = 1KiB", 6, "max_bytes"),
        ("[uplink]\ntarget = h:1\ntoken = a\n[spool]\ndirectory = s", 0, "section"),
        ("[uplink]\ntarget = h:1\ntoken = a\ntarget = h:2", 4, "target"),
        ("target = h:1", 1, "target"),
        ("[uplink]\ntarget = h:1\ntoken = a\n[health]\nlisten = nowhere", 5, "listen"),
        ("[uplink]\ntarget = h:1\ntoken = a\ntls = false\nca_file = certs/ca.pem", 5, "ca_file"),
        ("[uplink]\ntarget = h:1\ntoken = a\nca_file = missing.pem", 4, "ca_file"),
        ("[uplink]\ntarget = h:1\ntoken = a\nca_file = edge.token", 4, "ca_file"),
    ])
    func sectionLevelErrorsNameTheirField(text: String, line: Int, field: String) {
        Self.expectError(in: text, line: line, field: field)
    }

    static func expectError(in text: String, line: Int, field: String) {
        do {
            _ = try EdgeConfigurationFixtures.parse(text)
            Issue.record("parsed: \(text)")
        } catch {
            #expect(error.file == "edge.conf")
            #expect(error.line == line, "\(error)")
            #expect(error.field == field, "\(error)")
        }
    }

    @Test func aBadRegisterMapFileNamesTheConfigLineAndTheMapLine() {
        let text = Self.base + "\nregister_map = maps/meter.csv\nregisters = grid_power"
        let broken = EdgeConfigurationFixtures.meterMap.replacingOccurrences(of: "high_first", with: "sideways")
        do {
            _ = try EdgeConfiguration(text: text, file: "site.conf") { _, _ in broken }
            Issue.record("a bad map parsed")
        } catch {
            #expect(error.file == "site.conf" && error.line == 9 && error.field == "register_map")
            #expect(error.message.contains("line 2, word_order"), "\(error)")
        }
    }

    @Test func loadReadsTheFileAndTheFilesItNamesRelativeToIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edge-conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("maps"),
            withIntermediateDirectories: true
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, content) in EdgeConfigurationFixtures.files {
            try content.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let path = directory.appendingPathComponent("edge.conf").path
        try EdgeConfigurationFixtures.valid.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("certs"), withIntermediateDirectories: true)
        try "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
            .write(to: directory.appendingPathComponent("certs/ca.pem"), atomically: true, encoding: .utf8)
        try EdgeConfigurationFixtures.valid.replacingOccurrences(of: "tls = true\n", with: "tls = true\nca_file = certs/ca.pem\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try EdgeConfiguration.load(path: path)
        #expect(configuration.uplink.tls?.trustRootsPath == directory.appendingPathComponent("certs/ca.pem").path)
        #expect(configuration.uplink.token == "s3cret-token")
        #expect(configuration.devices[1].points.count == 2)
        #expect(throws: EdgeConfigurationError.self) { try EdgeConfiguration.load(path: path + ".missing") }
        try Data([0x5B, 0x75, 0x0A, 0xFF, 0xFE]).write(to: URL(fileURLWithPath: path))
        do {
            _ = try EdgeConfiguration.load(path: path)
        } catch {
            #expect(error.line == 2 && error.field == "file", "\(error)")
        }
    }

    @Test func carriageReturnLineEndingsParseToo() throws {
        let text = EdgeConfigurationFixtures.valid.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(
            try EdgeConfigurationFixtures.parse(text)
                == EdgeConfigurationFixtures.parse(EdgeConfigurationFixtures.valid)
        )
    }
}
