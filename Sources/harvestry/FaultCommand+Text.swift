import API
import ArgumentParser
import SwiftProtobuf

/// Durations as the CLI takes them: a number and a unit, `ms`, `s`, `m` or `h` (`500ms`, `30s`, `1.5m`, `2h`).
enum FaultDurationText {
    static func parse(_ text: String, option: String) throws -> Google_Protobuf_Duration {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (unit, scale) in units where text.hasSuffix(unit) {
            guard let value = Double(text.dropLast(unit.count)), value.isFinite, value >= 0, value * scale < 1e9 else {
                break
            }
            let nanoseconds = Int64((value * scale * 1e9).rounded())
            return Google_Protobuf_Duration(
                seconds: nanoseconds / 1_000_000_000,
                nanos: Int32(nanoseconds % 1_000_000_000)
            )
        }
        throw ValidationError("\(option): '\(text.prefix(40))' is not a duration such as 500ms, 30s, 5m or 2h")
    }
}

enum FaultPrinting {
    static func state(_ state: Harvestry_Simulator_V1_FaultState) -> String {
        switch state {
        case .active: "active"
        case .expired: "expired"
        case .cleared: "cleared"
        case .done: "done"
        default: "unknown"
        }
    }

    /// `simulator/faults/3  active  estop-open on devices/ctl-1 for 30.0 seconds  by drill`.
    static func line(_ fault: Harvestry_Simulator_V1_Fault) -> String {
        var line = "\(fault.name)\t\(Self.state(fault.state))\t\(fault.summary)\tby \(fault.appliedBy)"
        if !fault.endedBy.isEmpty { line += "\tended by \(fault.endedBy)" }
        return line
    }
}
