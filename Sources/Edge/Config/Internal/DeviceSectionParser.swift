import Fieldbus
import Foundation

/// A `[device NAME]` section to a `ModbusDeviceConfiguration`.
enum DeviceSectionParser {
    static func parse(
        _ reader: inout SectionReader,
        name: String,
        readFile: (String, ConfigEntryReference) throws(EdgeConfigurationError) -> String
    ) throws(EdgeConfigurationError) -> ModbusDeviceConfiguration {
        let idEntry = try reader.required("device_id")
        guard let deviceId = UUID(uuidString: idEntry.value) else {
            throw reader.error(idEntry.line, "device_id", "must be the platform device's UUID")
        }
        let hostEntry = try reader.required("host")
        guard ConfigValues.isHost(hostEntry.value) else {
            throw reader.error(hostEntry.line, "host", "must be a host name or IP address")
        }
        let port = try reader.integer("port", default: 502, in: 1...65535)
        let unit = try reader.integer("unit_id", default: 1, in: 0...247)
        let mapName = try reader.string("register_map", default: "sungrow")
        let map = try Self.registerMap(mapName, reader: &reader, readFile: readFile)
        let points = try Self.points(&reader, map: map)
        let pollInterval = try reader.duration(
            "poll_interval",
            default: ModbusDeviceConfiguration.defaultPollInterval,
            in: .milliseconds(100)...(.seconds(3600))
        )
        let requestGap = try reader.duration(
            "request_gap",
            default: ModbusDeviceConfiguration.defaultRequestGap,
            in: .zero...(.seconds(10))
        )
        let responseTimeout = try reader.duration(
            "response_timeout",
            default: ModbusDeviceConfiguration.defaultResponseTimeout,
            in: .milliseconds(10)...(.seconds(60))
        )
        let maxBlockRegisters = try reader.integer(
            "max_block_registers",
            default: ModbusDeviceConfiguration.defaultMaxBlockRegisters,
            in: 1...ModbusLimits.maxReadCount
        )
        let maxBlockGap = try reader.integer(
            "max_block_gap",
            default: ModbusDeviceConfiguration.defaultMaxBlockGap,
            in: 0...(ModbusLimits.maxReadCount - 2)
        )
        let maxBackoff = try reader.duration(
            "max_backoff",
            default: max(ModbusDeviceConfiguration.defaultMaxBackoff, pollInterval),
            in: pollInterval...(.seconds(86_400))
        )
        if let widest = points.map(\.register.type.words).max(), widest > maxBlockRegisters {
            throw reader.error(
                reader.entry("max_block_registers")?.line ?? reader.section.line,
                "max_block_registers",
                "must be at least \(widest): a 32-bit register is read in one request"
            )
        }
        return ModbusDeviceConfiguration(
            name: name,
            deviceId: deviceId,
            host: hostEntry.value,
            port: port,
            unit: unit,
            registerMapName: mapName,
            points: points,
            pollInterval: pollInterval,
            requestGap: requestGap,
            responseTimeout: responseTimeout,
            maxBlockRegisters: maxBlockRegisters,
            maxBlockGap: maxBlockGap,
            maxBackoff: maxBackoff
        )
    }

    private static func registerMap(
        _ name: String,
        reader: inout SectionReader,
        readFile: (String, ConfigEntryReference) throws(EdgeConfigurationError) -> String
    ) throws(EdgeConfigurationError) -> RegisterMap {
        if let builtIn = RegisterMap.builtIn[name] { return builtIn }
        let line = reader.entry("register_map")?.line ?? reader.section.line
        guard name.contains("/") || name.hasSuffix(".csv") else {
            let known = RegisterMap.builtIn.keys.sorted().joined(separator: ", ")
            throw reader.error(
                line,
                "register_map",
                "'\(name.prefix(64))' is neither a built-in map (\(known)) nor a .csv path"
            )
        }
        let reference = ConfigEntryReference(file: reader.file, line: line, key: "register_map")
        let csv = try readFile(name, reference)
        do {
            return try RegisterMap(csv: csv)
        } catch {
            throw reference.error("\(name): \(error)")
        }
    }

    /// `registers = all` (every input register of the map) or a comma-separated list of register names; each is
    /// sent as the stream of its own name unless `stream.<register> = <stream key>` renames it.
    private static func points(
        _ reader: inout SectionReader,
        map: RegisterMap
    ) throws(EdgeConfigurationError) -> [ModbusDeviceConfiguration.Point] {
        let listEntry = reader.entry("registers")
        let line = listEntry?.line ?? reader.section.line
        let list = listEntry?.value ?? "all"
        var registers: [RegisterDefinition] = []
        if list == "all" {
            registers = map.registers.filter { $0.table == .input }
        } else {
            var seen: Set<String> = []
            for name in list.split(separator: ",").map(\.trimmingSpaces) {
                guard let register = map[name] else {
                    throw reader.error(line, "registers", "'\(name.prefix(64))' is not a register of the map")
                }
                guard seen.insert(name).inserted else {
                    throw reader.error(line, "registers", "'\(name)' is listed twice")
                }
                registers.append(register)
            }
        }
        guard !registers.isEmpty else { throw reader.error(line, "registers", "must name at least one register") }
        var streams: [String: String] = [:]
        for entry in reader.entries(prefixed: "stream.") {
            let register = String(entry.key.dropFirst("stream.".count))
            guard registers.contains(where: { $0.name == register }) else {
                throw reader.error(entry.line, entry.key, "'\(register.prefix(64))' is not one of the registers read")
            }
            guard ConfigValues.isKey(entry.value) else {
                throw reader.error(entry.line, entry.key, "the stream key must be lower_snake_case, 1...64 characters")
            }
            streams[register] = entry.value
        }
        var points: [ModbusDeviceConfiguration.Point] = []
        var keys: Set<String> = []
        for register in registers {
            let stream = streams[register.name] ?? register.name
            guard keys.insert(stream).inserted else {
                let entryLine = reader.section.entries.first { $0.key == "stream.\(register.name)" }?.line ?? line
                throw reader.error(
                    entryLine,
                    "stream.\(register.name)",
                    "stream '\(stream)' is already used by another register"
                )
            }
            points.append(ModbusDeviceConfiguration.Point(register: register, stream: stream))
        }
        return points
    }
}
