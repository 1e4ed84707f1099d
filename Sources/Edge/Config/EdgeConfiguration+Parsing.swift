import CoreTransport
import Fieldbus
import Foundation

extension EdgeConfiguration {
    /// Reads the file at `path` (a register map or token file it names is read relative to its directory).
    public static func load(path: String) throws(EdgeConfigurationError) -> EdgeConfiguration {
        let text = try ConfigFiles.read(path, referencedFrom: nil)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolved(_ name: String) -> String {
            name.hasPrefix("/") ? name : directory.appendingPathComponent(name).path
        }
        var configuration = try EdgeConfiguration(text: text, file: path) {
            (name: String, entry: ConfigEntryReference) throws(EdgeConfigurationError) -> String in
            try ConfigFiles.read(resolved(name), referencedFrom: entry)
        }
        // The uplink opens `ca_file` when it connects: give it the path the check above read.
        if let roots = configuration.uplink.tls?.trustRootsPath {
            configuration.uplink.tls?.trustRootsPath = resolved(roots)
        }
        return configuration
    }

    /// Parses and validates `text`, read from `file` (named in errors). `readFile` reads a file the config names
    /// (`token_file`, a `register_map` path), given the path as written and the entry naming it; it throws an error
    /// for that entry.
    public init(
        text: String,
        file: String,
        readFile: (String, ConfigEntryReference) throws(EdgeConfigurationError) -> String
    ) throws(EdgeConfigurationError) {
        let document = try ConfigDocument(text: text, file: file)
        var uplink: UplinkConfiguration?
        var spool: SpoolConfiguration?
        var health: HealthConfiguration?
        var devices: [ModbusDeviceConfiguration] = []
        var deviceLines: [UUID: Int] = [:]
        var names: Set<String> = []
        for section in document.sections {
            var reader = SectionReader(section, file: file)
            let repeated = { (kind: String) in
                EdgeConfigurationError(
                    file: file,
                    line: section.line,
                    field: "section",
                    message: "[\(kind)] appears twice"
                )
            }
            if section.kind != "device" && section.name != nil {
                throw reader.error(section.line, "section", "only [device NAME] sections take a name")
            }
            switch section.kind {
            case "uplink":
                guard uplink == nil else { throw repeated("uplink") }
                uplink = try Self.uplink(&reader, readFile: readFile)
            case "spool":
                guard spool == nil else { throw repeated("spool") }
                spool = try Self.spool(&reader)
            case "health":
                guard health == nil else { throw repeated("health") }
                let listen = try reader.endpoint("listen", default: ("127.0.0.1", 9108))
                health = HealthConfiguration(host: listen.host, port: listen.port)
            case "device":
                guard let name = section.name else {
                    throw reader.error(section.line, "section", "a device section is [device NAME]")
                }
                guard names.insert(name).inserted else {
                    throw reader.error(section.line, "section", "[device \(name)] appears twice")
                }
                let device = try DeviceSectionParser.parse(&reader, name: name, readFile: readFile)
                if let first = deviceLines.updateValue(section.line, forKey: device.deviceId) {
                    throw reader.error(
                        reader.section.entries.first { $0.key == "device_id" }?.line ?? section.line,
                        "device_id",
                        "is also the device_id of the device on line \(first)"
                    )
                }
                devices.append(device)
            default:
                throw reader.error(
                    section.line,
                    "section",
                    "unknown section [\(section.kind)]: expected uplink, spool, health or device NAME"
                )
            }
            try reader.finish()
        }
        func missing(_ what: String) -> EdgeConfigurationError {
            EdgeConfigurationError(file: file, line: 0, field: "section", message: "\(what) is required")
        }
        guard let uplink else { throw missing("an [uplink] section") }
        guard let spool else { throw missing("a [spool] section") }
        guard !devices.isEmpty else { throw missing("at least one [device NAME] section") }
        self.init(file: file, devices: devices, uplink: uplink, spool: spool, health: health ?? HealthConfiguration())
    }

    private static func uplink(
        _ reader: inout SectionReader,
        readFile: (String, ConfigEntryReference) throws(EdgeConfigurationError) -> String
    ) throws(EdgeConfigurationError) -> UplinkConfiguration {
        let target = try reader.endpoint("target")
        let tls = try reader.bool("tls", default: true)
        let caFile = reader.entry("ca_file")
        if let caFile {
            guard tls else { throw reader.error(caFile.line, "ca_file", "set only with tls = true") }
            guard !caFile.value.isEmpty else { throw reader.error(caFile.line, "ca_file", "must not be empty") }
            let pem = try readFile(caFile.value, ConfigEntryReference(file: reader.file, line: caFile.line, key: "ca_file"))
            guard pem.contains("-----BEGIN CERTIFICATE-----") else {
                throw reader.error(caFile.line, "ca_file", "\(caFile.value) holds no PEM certificate")
            }
        }
        let batchSize = try reader.integer("batch_size", default: 500, in: 1...10_000)
        let inline = reader.entry("token")
        let file = reader.entry("token_file")
        let token: String
        switch (inline, file) {
        case (let inline?, nil):
            token = inline.value
        case (nil, let file?):
            guard !file.value.isEmpty else { throw reader.error(file.line, "token_file", "must not be empty") }
            token = try readFile(
                file.value,
                ConfigEntryReference(file: reader.file, line: file.line, key: "token_file")
            )
            .trimmingSpaces.trimmingCharacters(in: .newlines)
        case (_?, let file?):
            throw reader.error(file.line, "token_file", "set either token or token_file, not both")
        case (nil, nil):
            throw reader.error(reader.section.line, "token", "one of token and token_file is required in [uplink]")
        }
        let line = inline?.line ?? file?.line ?? reader.section.line
        let field = inline == nil ? "token_file" : "token"
        guard (1...4096).contains(token.utf8.count) else {
            throw reader.error(line, field, "the token must be 1...4096 bytes")
        }
        guard token.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw reader.error(line, field, "the token must be printable ASCII without spaces")
        }
        let host = target.host.contains(":") ? "[\(target.host)]" : target.host
        return UplinkConfiguration(
            target: "\(host):\(target.port)",
            token: token,
            tls: tls ? TLSFiles(trustRootsPath: caFile?.value) : nil,
            batchLimit: batchSize
        )
    }

    private static func spool(_ reader: inout SectionReader) throws(EdgeConfigurationError) -> SpoolConfiguration {
        let directory = try reader.string("directory")
        guard !directory.contains("\0") else { throw reader.error(reader.section.line, "directory", "must be a path") }
        let maxBytes = try reader.byteSize("max_bytes", default: 1 << 30, in: (1 << 20)...(1 << 40))
        let policyName = try reader.string("full_policy", default: SpoolConfiguration.FullPolicy.dropOldest.rawValue)
        guard let policy = SpoolConfiguration.FullPolicy(rawValue: policyName) else {
            let line = reader.entry("full_policy")?.line ?? reader.section.line
            let names = SpoolConfiguration.FullPolicy.allCases.map(\.rawValue).joined(separator: " or ")
            throw reader.error(line, "full_policy", "must be \(names)")
        }
        return SpoolConfiguration(directory: directory, maximumBytes: maxBytes, fullPolicy: policy)
    }
}

/// The entry that names a file the config refers to, so a failure to read it names the line.
public struct ConfigEntryReference: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var key: String

    public init(file: String, line: Int, key: String) {
        self.file = file
        self.line = line
        self.key = key
    }

    func error(_ message: String) -> EdgeConfigurationError {
        EdgeConfigurationError(file: self.file, line: self.line, field: self.key, message: message)
    }
}
