import Domain
import Foundation
import Logging

extension RunEngine {
    /// The `rearm` command for the controller that is `group`'s source of the loop `reason` latched on (a device
    /// state source); nil for a reason the controller does not latch (EC/pH holds) or a loop read from a stream.
    func controllerRearm(
        _ group: IrrigationGroup,
        _ reason: InterlockReason,
        _ settings: IrrigationSiteSettings,
        in scope: AccessScope
    ) async throws -> DeviceCommand? {
        guard let input = ControllerRearm.input(for: reason) else { return nil }
        let sources = try await self.store.interlockSources(groupID: group.id, in: scope)
        guard case .deviceState(let controller, _) = sources[input] else { return nil }
        return ControllerRearm.command(
            controller: controller,
            group: group,
            reason: reason,
            authorizer: scope.userID,
            timing: settings.commandTiming,
            now: self.now()
        )
    }

    /// Re-arms that ended without EXECUTED latch their lockout again (`ControllerRearm.relatch`), with the alert
    /// `CONTROLLER_REARM_FAILED` (log and metric): the operator sees the lockout back in ListLockouts, and starts
    /// are blocked with its reason. A failure to write is logged; the controller stays latched either way, so it
    /// refuses every open (`FAULT_LATCHED`): nothing waters.
    func rearmsSettled(_ commands: [StoredCommand]) async {
        let relatched = commands.compactMap { stored in ControllerRearm.relatch(stored).map { (stored, $0) } }
        guard !relatched.isEmpty else { return }
        do {
            let found = try await self.store.engineSites(among: Set(relatched.map(\.0.siteID)))
            for (stored, event) in relatched {
                guard let site = found.first(where: { $0.siteID == stored.siteID }) else { continue }
                try await self.repository.recordInterlockEvents([event], in: self.systemScope(site), audit: .none)
                self.metrics.interlockEvent(event.kind.rawValue)
                self.metrics.alert("CONTROLLER_REARM_FAILED")
                self.logger.warning(
                    "controller re-arm failed: \(event.reason.rawValue) latched again",
                    metadata: [
                        "site": "\(stored.siteID.uuidString.lowercased())",
                        "command_id": "\(stored.command.id.uuidString.lowercased())",
                        "alert": "CONTROLLER_REARM_FAILED", "detail": "\(event.detail)",
                    ]
                )
            }
        } catch {
            self.metrics.error()
            self.logger.error("cannot latch again after \(relatched.count) failed controller re-arm(s): \(error)")
        }
    }
}
