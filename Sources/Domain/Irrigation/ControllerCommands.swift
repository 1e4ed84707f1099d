import Foundation

/// A valve open's own run time (the device protocol's `duration_s`): the device closes the valve itself once it has
/// passed, so a valve whose close never arrives (broker cut, dispatcher stopped) does not stay open until the
/// controller's max runtime. The platform's close normally comes first: the step times from the confirmed open, and
/// the margin covers the engine's pass, the dispatch and the ack.
public enum TimedOpen {
    /// Added to the step's remaining duration: the engine's pass (1 s) plus the close's dispatch, with room.
    public static let marginSeconds = 5
    /// The controller's bound is 0 < d < its max runtime (30 min by default, HydroCore's and the simulator's).
    public static let controllerMaxRuntimeSeconds = 1_800

    /// Whole seconds, rounded up: `remaining` + the margin, at most the controller's max runtime less one second;
    /// nil when `remaining` is not a finite, positive duration.
    public static func durationSeconds(remaining: TimeInterval) -> Int? {
        guard remaining.isFinite, remaining > 0 else { return nil }
        let limit = Self.controllerMaxRuntimeSeconds - 1
        guard remaining < Double(limit) else { return limit }
        return min(Int(remaining.rounded(.up)) + Self.marginSeconds, limit)
    }
}

/// The edge controller's own re-arm: an E-STOP or door trip latches the controller as well as the platform, and the
/// controller refuses every open (`FAULT_LATCHED`) until it gets a `rearm` command. ReArm of such a lockout sends one
/// to the device that is the group's source of the loop, in the transaction that writes the `CLEARED` event.
public enum ControllerRearm {
    /// The loop input whose source device latched the fault; nil for reasons the controller does not latch.
    public static func input(for reason: InterlockReason) -> InterlockInput? {
        switch reason {
        case .eStopOpen: .eStop
        case .doorOpen: .door
        default: nil
        }
    }

    /// `rearm/{group}/{reason}/{epoch ms}`: one per group and ReArm; it names the lockout a refusal latches again.
    public static func key(group: UUID, reason: InterlockReason, at now: Date) -> String {
        let stamp = Int64((now.timeIntervalSince1970 * 1_000).rounded())
        return "rearm/\(group.uuidString.lowercased())/\(reason.rawValue)/\(stamp)"
    }

    /// The group and reason a re-arm's key names; nil for any other key.
    public static func parse(key: String) -> (groupID: UUID, reason: InterlockReason)? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "rearm", let group = UUID(uuidString: String(parts[1])),
            let reason = InterlockReason(rawValue: String(parts[2])), Self.input(for: reason) != nil
        else { return nil }
        return (group, reason)
    }

    /// The re-arm command for `controller`, authorized by `authorizer` (the re-arming user). Its zone is the
    /// group's first (the outbox row needs one; a re-arm addresses no valve); nil for a group without valves.
    public static func command(
        controller: UUID,
        group: IrrigationGroup,
        reason: InterlockReason,
        authorizer: UUID,
        timing: CommandTiming,
        now: Date
    ) -> DeviceCommand? {
        guard let zone = group.valves.first?.zoneID else { return nil }
        return DeviceCommand(
            deviceID: controller,
            zoneID: zone,
            action: .rearm,
            idempotencyKey: Self.key(group: group.id, reason: reason, at: now),
            createdAt: now,
            expiresAt: now.addingTimeInterval(timing.expiry),
            ackTimeout: timing.ackTimeout,
            maxAttempts: timing.maxAttempts,
            authorizer: authorizer.uuidString.lowercased()
        )
    }

    /// A re-arm that ended without EXECUTED (REJECTED: e.g. the loop is open again; TIMEOUT, EXPIRED: the
    /// controller did not answer) leaves the controller latched, so the platform's lockout is latched again: a
    /// `LATCHED` event of the group and reason, which ListLockouts shows and which blocks starts with the reason
    /// (rather than runs the controller would refuse). Nil for an executed re-arm or any other command.
    public static func relatch(_ stored: StoredCommand) -> InterlockEvent? {
        let command = stored.command
        guard command.action == .rearm, command.status.isFinished, command.status != .executed,
            let (group, reason) = Self.parse(key: command.idempotencyKey)
        else { return nil }
        let why = stored.ackReason.map { " (\($0))" } ?? ""
        return InterlockEvent(
            groupID: group,
            runID: nil,
            kind: .latched,
            reason: reason,
            at: command.finishedAt ?? command.createdAt,
            detail: "the controller \(command.deviceID.uuidString.lowercased()) did not re-arm: "
                + "\(command.status.rawValue)\(why)"
        )
    }
}
