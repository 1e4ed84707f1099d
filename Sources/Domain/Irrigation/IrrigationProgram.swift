import Foundation

/// One step of a program: water one zone for a duration or until a volume has been delivered (exactly one).
public struct ProgramStep: Sendable, Hashable {
    /// What ends the step.
    public enum Amount: Sendable, Hashable {
        case duration(TimeInterval)
        case volumeLiters(Double)
    }

    public var zoneID: UUID
    public var amount: Amount

    public init(zoneID: UUID, amount: Amount) {
        self.zoneID = zoneID
        self.amount = amount
    }

    /// Builds a step from the seed contract's `{ zoneId, duration, volume }`: exactly one of duration (seconds,
    /// 1 s ... 24 h) and volume (liters, > 0 ... 100,000) must be given. Errors name `steps[i].duration` or
    /// `steps[i].volume`.
    public static func parse(zoneID: UUID, duration: TimeInterval?, volume: Double?, index: Int) throws -> ProgramStep {
        let prefix = "steps[\(index)]"
        switch (duration, volume) {
        case (nil, nil):
            throw DomainError.invalid("\(prefix).duration", "give a duration or a volume")
        case (.some, .some):
            throw DomainError.invalid("\(prefix).volume", "give a duration or a volume, not both")
        case (let seconds?, nil):
            guard seconds.isFinite, (1...86_400).contains(seconds) else {
                throw DomainError.invalid("\(prefix).duration", "must be 1 to 86400 seconds (got \(seconds))")
            }
            return ProgramStep(zoneID: zoneID, amount: .duration(seconds))
        case (nil, let liters?):
            guard liters.isFinite, liters > 0, liters <= 100_000 else {
                throw DomainError.invalid(
                    "\(prefix).volume",
                    "must be above 0 and at most 100000 liters (got \(liters))"
                )
            }
            return ProgramStep(zoneID: zoneID, amount: .volumeLiters(liters))
        }
    }
}

/// An ordered list of steps run on one irrigation group, with a ceiling on how long a run may take.
public struct IrrigationProgram: Sendable, Hashable {
    public var id: UUID
    public var groupID: UUID
    public var name: String
    public var steps: [ProgramStep]
    /// A run still going after this long is closed safely (`MAX_RUNTIME_EXCEEDED`).
    public var maxRuntime: TimeInterval

    public init(id: UUID = UUID(), groupID: UUID, name: String, steps: [ProgramStep], maxRuntime: TimeInterval) {
        self.id = id
        self.groupID = groupID
        self.name = name
        self.steps = steps
        self.maxRuntime = maxRuntime
    }

    /// Name, 1-100 steps each with a valid amount and a zone of `group`, a max runtime of 1 s ... 24 h that is
    /// not shorter than the steps' total duration.
    public func validate(in group: IrrigationGroup) throws {
        try Validate.text(self.name, field: "name")
        guard self.groupID == group.id else { throw DomainError.invalid("group_id", "does not match the group") }
        guard (1...100).contains(self.steps.count) else {
            throw DomainError.invalid("steps", "must have 1 to 100 steps (got \(self.steps.count))")
        }
        for (index, step) in self.steps.enumerated() {
            _ = try ProgramStep.parse(
                zoneID: step.zoneID,
                duration: step.amount.durationSeconds,
                volume: step.amount.volume,
                index: index
            )
            guard group.valve(forZone: step.zoneID) != nil else {
                throw DomainError.invalid("steps[\(index)].zone_id", "zone \(step.zoneID) is not in the group")
            }
        }
        guard self.maxRuntime.isFinite, (1...86_400).contains(self.maxRuntime) else {
            throw DomainError.invalid("max_runtime", "must be 1 to 86400 seconds (got \(self.maxRuntime))")
        }
        let timed = self.steps.compactMap(\.amount.durationSeconds).reduce(0, +)
        guard timed <= self.maxRuntime else {
            throw DomainError.invalid("max_runtime", "is shorter than the steps' total duration (\(timed) s)")
        }
    }
}

extension ProgramStep.Amount {
    var durationSeconds: TimeInterval? { if case .duration(let seconds) = self { seconds } else { nil } }
    var volume: Double? { if case .volumeLiters(let liters) = self { liters } else { nil } }
}
