import Foundation

extension SiteSpec {
    /// The spec grown to `total` devices for a load run: sensor templates (the spec's climate and substrate sensors,
    /// in order, round robin) are replicated with deterministic ids (a name-based UUID of the site, the template and
    /// the copy number) and codes `<template>-R<n>`. Controllers, valves, pumps and tanks are not replicated.
    public func scaled(to total: Int, field: String = "devices") throws(SpecError) -> SiteSpec {
        guard total >= self.devices.count else {
            throw SpecError(
                field: field,
                message: "must be at least the \(self.devices.count) devices the site already has (got \(total))"
            )
        }
        guard total <= 1_000_000 else {
            throw SpecError(field: field, message: "must be at most 1000000 (got \(total))")
        }
        let templates = self.devices.filter { $0.kind == .climateSensor || $0.kind == .substrateSensor }
        guard total == self.devices.count || !templates.isEmpty else {
            throw SpecError(field: field, message: "the site has no sensor to replicate")
        }
        var spec = self
        var copy = 0
        while spec.devices.count < total {
            let template = templates[copy % templates.count]
            let number = copy / templates.count + 1
            var device = template
            device.id = Self.replicaID(site: self.site, template: template.id, number: number)
            device.code = "\(template.code)-R\(number)"
            spec.devices.append(device)
            copy += 1
        }
        return spec
    }

    /// A name-based id: two FNV-1a lanes over the key make 128 bits, with the UUID version and variant bits set,
    /// so replica ids are the same in every run and on every machine.
    static func replicaID(site: String, template: DeviceID, number: Int) -> DeviceID {
        let key = Array("harvestry.sim/\(site)/\(template)/\(number)".utf8)
        var low: UInt64 = 0xcbf2_9ce4_8422_2325
        var high: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in key {
            low = (low ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            high = (high ^ UInt64(byte) ^ (low >> 29)) &* 0x0000_0100_0000_01B3
        }
        var bytes =
            (0..<8).map { UInt8(truncatingIfNeeded: high >> UInt64(8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> UInt64(8 * $0)) }
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let uuid = UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
        return uuid.uuidString.lowercased()
    }
}
