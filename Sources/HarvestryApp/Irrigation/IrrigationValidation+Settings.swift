import API
import Domain
import Foundation
import SwiftProtobuf

/// UpdateIrrigationSettings and UpdateInterlockSources. The masked settings are checked field by field here and
/// applied to the stored ones by `SettingsPatch.apply(to:)`, which checks what spans fields (EC and pH bounds in
/// order) and then the Domain's whole rules (`IrrigationSiteSettings.validate`), renamed to the API's fields.
extension IrrigationValidation {
    static let settingsPaths: Set<String> = [
        "manual_approval", "stale_after", "required_inputs", "tank_minimum_percent", "ec_min", "ec_max", "ph_min",
        "ph_max", "alarm_delays", "command_expiry", "command_ack_timeout", "command_max_attempts",
    ]
    static let interlockSourcePaths = Set(InterlockInput.allCases.map(\.rawValue))

    /// The masked settings; nil fields are kept as stored.
    struct SettingsPatch: Sendable, Hashable {
        var manualApproval: Bool?
        var staleAfter: TimeInterval?
        var requiredInputs: Set<InterlockInput>?
        var tankMinimumPercent: Double?
        var ecMin: Double?
        var ecMax: Double?
        var phMin: Double?
        var phMax: Double?
        var alarmDelays: [InterlockReason: TimeInterval]?
        var commandExpiry: TimeInterval?
        var commandAckTimeout: TimeInterval?
        var commandMaxAttempts: Int?

        /// `stored` with the patch applied; throws INVALID_ARGUMENT naming the fields that break a rule.
        func apply(to stored: IrrigationSiteSettings) throws -> IrrigationSiteSettings {
            var violations = FieldViolations()
            let settings = self.apply(to: stored, violations: &violations)
            try violations.check()
            return settings ?? stored
        }

        /// `stored` with the patch applied, or nil after recording the fields that break a rule.
        func apply(to stored: IrrigationSiteSettings, violations: inout FieldViolations) -> IrrigationSiteSettings? {
            let before = violations.violations.count
            var settings = stored
            if let manualApproval { settings.manualApproval = manualApproval }
            if let staleAfter { settings.policy.staleAfter = staleAfter }
            if let requiredInputs { settings.policy.requiredInputs = requiredInputs }
            if let tankMinimumPercent { settings.policy.tankMinimumPercent = tankMinimumPercent }
            if let alarmDelays { settings.policy.alarmDelays = alarmDelays }
            if let commandExpiry { settings.commandTiming.expiry = commandExpiry }
            if let commandAckTimeout { settings.commandTiming.ackTimeout = commandAckTimeout }
            if let commandMaxAttempts { settings.commandTiming.maxAttempts = commandMaxAttempts }
            let ec = Self.bounds(
                "ec",
                min: self.ecMin ?? stored.policy.ecBounds.lowerBound,
                max: self.ecMax ?? stored.policy.ecBounds.upperBound,
                limit: 20,
                violations: &violations
            )
            let ph = Self.bounds(
                "ph",
                min: self.phMin ?? stored.policy.phBounds.lowerBound,
                max: self.phMax ?? stored.policy.phBounds.upperBound,
                limit: 14,
                violations: &violations
            )
            guard let ec, let ph, violations.violations.count == before else { return nil }
            settings.policy.ecBounds = ec
            settings.policy.phBounds = ph
            violations.domain(IrrigationValidation.settingsField) { try settings.validate() }
            return violations.violations.count == before ? settings : nil
        }

        /// Each masked field on its own against the defaults (so one bad field does not hide another); the EC and
        /// pH bounds only within their limits, their order being checked against the stored ones by `apply`.
        func checkEachField(violations: inout FieldViolations) {
            let defaults = IrrigationSiteSettings(siteID: UUID())
            func alone<T>(_ field: WritableKeyPath<SettingsPatch, T?>) {
                guard let value = self[keyPath: field] else { return }
                var single = SettingsPatch()
                single[keyPath: field] = value
                _ = single.apply(to: defaults, violations: &violations)
            }
            alone(\.staleAfter)
            alone(\.tankMinimumPercent)
            alone(\.alarmDelays)
            alone(\.commandExpiry)
            alone(\.commandAckTimeout)
            alone(\.commandMaxAttempts)
            for (field, value, limit) in [
                ("ec_min", self.ecMin, 20.0), ("ec_max", self.ecMax, 20), ("ph_min", self.phMin, 14),
                ("ph_max", self.phMax, 14),
            ] {
                guard let value, !(value.isFinite && (0...limit).contains(value)) else { continue }
                violations.add(
                    "irrigation_settings.\(field)",
                    reason: "INVALID_FIELD",
                    "must be 0 to \(limit) (got \(value))"
                )
            }
        }

        /// `min...max` when 0 <= min <= max <= limit (a ClosedRange must never be built from bounds out of order).
        static func bounds(
            _ prefix: String,
            min: Double,
            max: Double,
            limit: Double,
            violations: inout FieldViolations
        ) -> ClosedRange<Double>? {
            let field = "irrigation_settings.\(prefix)"
            guard min.isFinite, min >= 0, min <= limit else {
                violations.add("\(field)_min", reason: "INVALID_FIELD", "must be 0 to \(limit) (got \(min))")
                return nil
            }
            guard max.isFinite, max >= 0, max <= limit else {
                violations.add("\(field)_max", reason: "INVALID_FIELD", "must be 0 to \(limit) (got \(max))")
                return nil
            }
            guard min <= max else {
                violations.add(
                    "\(field)_min",
                    reason: "INVALID_FIELD",
                    "must not exceed \(prefix)_max (\(min) > \(max))"
                )
                return nil
            }
            return min...max
        }
    }

    /// Domain settings fields (`policy.stale_after`, `command.ack_timeout`) as `irrigation_settings.*` paths.
    static func settingsField(_ field: String) -> String {
        let renamed = [
            "policy.ec_bounds": "ec_min", "policy.ph_bounds": "ph_min", "command.expiry": "command_expiry",
            "command.ack_timeout": "command_ack_timeout", "command.max_attempts": "command_max_attempts",
        ]
        if let name = renamed[field] { return "irrigation_settings.\(name)" }
        if field.hasPrefix("policy.alarm_delays") { return "irrigation_settings.alarm_delays" }
        return "irrigation_settings." + field.replacingOccurrences(of: "policy.", with: "")
    }

    static func updateSettings(
        _ request: Harvestry_Irrigation_V1_UpdateIrrigationSettingsRequest,
        violations: inout FieldViolations
    ) -> Update<SettingsPatch>? {
        let message = request.irrigationSettings
        let name = violations.name("irrigation_settings.name", message.name, .irrigationSettings)
        let paths = violations.updateMask(request.updateMask, allowed: Self.settingsPaths)
        var patch = SettingsPatch()
        func has(_ path: String) -> Bool { paths.contains(path) }
        if has("manual_approval") { patch.manualApproval = message.manualApproval }
        if has("stale_after") { patch.staleAfter = Self.seconds(message.staleAfter) }
        if has("required_inputs") {
            patch.requiredInputs = Self.requiredInputs(message.requiredInputs, violations: &violations)
        }
        if has("tank_minimum_percent") { patch.tankMinimumPercent = message.tankMinimumPercent }
        if has("ec_min") { patch.ecMin = message.ecMin }
        if has("ec_max") { patch.ecMax = message.ecMax }
        if has("ph_min") { patch.phMin = message.phMin }
        if has("ph_max") { patch.phMax = message.phMax }
        if has("alarm_delays") { patch.alarmDelays = Self.alarmDelays(message.alarmDelays, violations: &violations) }
        if has("command_expiry") { patch.commandExpiry = Self.seconds(message.commandExpiry) }
        if has("command_ack_timeout") { patch.commandAckTimeout = Self.seconds(message.commandAckTimeout) }
        if has("command_max_attempts") { patch.commandMaxAttempts = Int(message.commandMaxAttempts) }
        // Each field's own rules now, every bad field named; bounds in order need the stored values (`apply`).
        if violations.isEmpty { patch.checkEachField(violations: &violations) }
        let audit = violations.audit(requestID: request.requestID)
        guard let name, violations.isEmpty else { return nil }
        return Update(name: name, paths: paths, fields: patch, audit: audit)
    }

    /// Each input known and once.
    static func requiredInputs(
        _ inputs: [Harvestry_Irrigation_V1_InterlockInput],
        violations: inout FieldViolations
    ) -> Set<InterlockInput> {
        var seen = Set<InterlockInput>()
        for (index, value) in inputs.enumerated() {
            let field = "irrigation_settings.required_inputs[\(index)]"
            guard violations.enumeration(field, value, required: true) != nil,
                let input = InterlockInput.allCases.first(where: { Harvestry_Irrigation_V1_InterlockInput($0) == value }
                )
            else { continue }
            if !seen.insert(input).inserted {
                violations.add(field, reason: "DUPLICATE_VALUE", "\(value) is listed twice")
            }
        }
        return seen
    }

    /// Each reason known and once (the Domain checks which reasons may be delayed, and how long).
    static func alarmDelays(
        _ delays: [Harvestry_Irrigation_V1_AlarmDelay],
        violations: inout FieldViolations
    ) -> [InterlockReason: TimeInterval] {
        var result: [InterlockReason: TimeInterval] = [:]
        for (index, delay) in delays.enumerated() {
            let field = "irrigation_settings.alarm_delays[\(index)].reason"
            guard violations.enumeration(field, delay.reason, required: true) != nil,
                let reason = Self.interlockReason(delay.reason)
            else { continue }
            guard result[reason] == nil else {
                violations.add(field, reason: "DUPLICATE_VALUE", "\(delay.reason) is listed twice")
                continue
            }
            result[reason] = Self.seconds(delay.delay)
        }
        return result
    }

    // MARK: - Interlock sources

    static func updateInterlockSources(
        _ request: Harvestry_Irrigation_V1_UpdateInterlockSourcesRequest,
        violations: inout FieldViolations
    ) -> Update<[InterlockInput: InterlockSource?]>? {
        let message = request.interlockSources
        let name = violations.name("interlock_sources.name", message.name, .interlockSources)
        let paths = violations.updateMask(request.updateMask, allowed: Self.interlockSourcePaths)
        var changes: [InterlockInput: InterlockSource?] = [:]
        for input in InterlockInput.allCases where paths.contains(input.rawValue) {
            let field = "interlock_sources.\(input.rawValue)"
            guard let source = message.source(input)?.source else {
                changes[input] = .some(nil)
                continue
            }
            switch source {
            case .deviceState(let state):
                let device = violations.name(
                    "\(field).device_state.device",
                    state.device,
                    .equipment,
                    inSite: name?.site
                )
                let candidate = InterlockSource.deviceState(
                    deviceID: device?["equipment"] ?? UUID(),
                    property: state.property
                )
                let before = violations.violations.count
                violations.domain({ _ in "\(field).device_state.property" }) { try candidate.validate(field: field) }
                if let device, violations.violations.count == before {
                    changes[input] = .deviceState(deviceID: device["equipment"], property: state.property)
                }
            case .stream(let stream):
                if let parsed = violations.name("\(field).stream", stream, .stream, inSite: name?.site) {
                    changes[input] = .stream(parsed["stream"])
                }
            }
        }
        let audit = violations.audit(requestID: request.requestID)
        guard let name, violations.isEmpty else { return nil }
        return Update(name: name, paths: paths, fields: changes, audit: audit)
    }
}
