import Bus
import Foundation

/// A scenario file: a site as JSON (docs/simulator.md "Runtime"), read into a `SiteSpec`. Every value is checked
/// and an error names the field, e.g. `devices[3].kind`.
///
/// ```json
/// {"site": "site-1", "zones": [{"id": "z1", "code": "VEG-1-Z1"}],
///  "devices": [{"id": "ctl-1", "code": "IRR-1", "kind": "irrigation-controller"},
///              {"id": "vlv-1", "code": "VLV-1", "kind": "valve", "zone": "z1", "load_class": "STD",
///               "controller": "ctl-1"},
///              {"id": "t-1", "code": "TEMP-1", "kind": "climate-sensor", "zone": "z1", "sample_interval_ms": 1000}]}
/// ```
public enum ScenarioFile {
    struct File: Decodable {
        var site: String?
        var zones: [Zone]?
        var devices: [Device]?
    }

    struct Zone: Decodable {
        var id: String?
        var code: String?
    }

    struct Device: Decodable {
        var id: String?
        var code: String?
        var kind: String?
        var zone: String?
        var loadClass: String?
        var controller: String?
        var sampleIntervalMs: Int?

        enum CodingKeys: String, CodingKey {
            case id, code, kind, zone, controller
            case loadClass = "load_class"
            case sampleIntervalMs = "sample_interval_ms"
        }
    }

    public static func load(path: String) throws(SpecError) -> SiteSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError(field: "scenario", message: "cannot read '\(path)'")
        }
        return try self.parse(data)
    }

    public static func parse(_ data: Data) throws(SpecError) -> SiteSpec {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw SpecError(field: Self.path(context.codingPath), message: "has the wrong type")
        } catch {
            throw SpecError(field: "scenario", message: "is not a JSON scenario: \(error)")
        }
        let site = try Self.segment(file.site, field: "site")
        var zones: [ZoneSpec] = []
        for (index, zone) in (file.zones ?? []).enumerated() {
            let field = "zones[\(index)]"
            let id = try Self.segment(zone.id, field: "\(field).id")
            guard !zones.contains(where: { $0.id == id }) else {
                throw SpecError(field: "\(field).id", message: "'\(id)' is used twice")
            }
            guard !DeviceGroups.reserved.contains(id) else {
                throw SpecError(field: "\(field).id", message: "'\(id)' names a device group of its own (all, site)")
            }
            zones.append(ZoneSpec(id: id, code: try Self.text(zone.code, field: "\(field).code")))
        }
        guard let rawDevices = file.devices, !rawDevices.isEmpty else {
            throw SpecError(field: "devices", message: "must list at least one device")
        }
        var devices: [DeviceSpec] = []
        for (index, raw) in rawDevices.enumerated() {
            devices.append(try Self.device(raw, field: "devices[\(index)]", zones: zones, earlier: devices))
        }
        for (index, device) in devices.enumerated() {
            guard let controller = device.controller else { continue }
            guard devices.contains(where: { $0.id == controller && $0.kind == .irrigationController }) else {
                throw SpecError(
                    field: "devices[\(index)].controller",
                    message: "'\(controller)' is not an irrigation-controller of this scenario"
                )
            }
        }
        return SiteSpec(site: site, zones: zones, devices: devices)
    }

    private static func device(
        _ raw: Device,
        field: String,
        zones: [ZoneSpec],
        earlier: [DeviceSpec]
    ) throws(SpecError) -> DeviceSpec {
        let id = try Self.segment(raw.id, field: "\(field).id")
        guard !earlier.contains(where: { $0.id == id }) else {
            throw SpecError(field: "\(field).id", message: "'\(id)' is used twice")
        }
        let kindText = try Self.text(raw.kind, field: "\(field).kind")
        guard let kind = SimulatedDeviceKind(rawValue: kindText) else {
            let allowed = SimulatedDeviceKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw SpecError(field: "\(field).kind", message: "must be one of \(allowed) (got '\(kindText.prefix(40))')")
        }
        if let zone = raw.zone, !zones.contains(where: { $0.id == zone }) {
            throw SpecError(field: "\(field).zone", message: "'\(zone.prefix(64))' is not a zone of this scenario")
        }
        var loadClass: ValveLoad?
        if let text = raw.loadClass {
            guard kind == .valve else { throw SpecError(field: "\(field).load_class", message: "is for valves only") }
            guard let load = ValveLoad(rawValue: text) else {
                throw SpecError(field: "\(field).load_class", message: "must be HL or STD (got '\(text.prefix(20))')")
            }
            loadClass = load
        } else if kind == .valve {
            throw SpecError(field: "\(field).load_class", message: "is required for a valve (HL or STD)")
        }
        let interval = raw.sampleIntervalMs ?? 1000
        guard (10...86_400_000).contains(interval) else {
            throw SpecError(field: "\(field).sample_interval_ms", message: "must be 10...86400000 (got \(interval))")
        }
        return DeviceSpec(
            id: id,
            code: try Self.text(raw.code, field: "\(field).code"),
            kind: kind,
            zone: raw.zone,
            loadClass: loadClass,
            controller: raw.controller,
            sampleInterval: .milliseconds(interval)
        )
    }

    private static func segment(_ value: String?, field: String) throws(SpecError) -> String {
        let text = try Self.text(value, field: field)
        do {
            _ = try DeviceTopic(site: text, device: text, channel: .telemetry)
        } catch {
            throw SpecError(
                field: field,
                message: "must be 1-64 letters, digits, '.', '_' or '-' (got '\(text.prefix(40))')"
            )
        }
        return text
    }

    private static func text(_ value: String?, field: String) throws(SpecError) -> String {
        guard let value, !value.isEmpty else { throw SpecError(field: field, message: "is required") }
        guard value.count <= 128 else { throw SpecError(field: field, message: "is longer than 128 characters") }
        return value
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.reduce("") { path, key in
            if let index = key.intValue { return "\(path)[\(index)]" }
            return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
        }
    }
}
