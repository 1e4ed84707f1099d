import Domain
import Foundation
import Logging

extension RunEngine: CommandSettlementSink {
    /// Applies each finished command to its run, oldest first. Idempotent: the store marks a command applied in the
    /// run change's transaction, so a settlement reported twice (an ack redelivered, two instances) changes nothing.
    /// A failure is logged; the next tick retries it (`unappliedSettlements`).
    public func commandsSettled(_ commands: [StoredCommand]) async {
        await self.rearmsSettled(commands)
        let settled = commands.filter { $0.runID != nil && $0.command.status.isFinished }
        guard !settled.isEmpty else { return }
        let sites: [UUID: EngineSite]
        do {
            let found = try await self.store.engineSites(among: Set(settled.map(\.siteID)))
            sites = Dictionary(found.map { ($0.siteID, $0) }, uniquingKeysWith: { first, _ in first })
        } catch {
            self.metrics.error()
            self.logger.error("cannot look up the sites of \(settled.count) settled command(s): \(error)")
            return
        }
        for stored in settled.sorted(by: Self.settledFirst) {
            guard let site = sites[stored.siteID] else { continue }
            await self.settle(stored, in: self.systemScope(site))
        }
    }

    /// Applies one settlement to its run; errors are logged and counted.
    func settle(_ stored: StoredCommand, in scope: AccessScope) async {
        guard let runID = stored.runID else { return }
        let command = stored.command
        do {
            let run = try await self.repository.run(runID, in: scope)
            let progression = try await self.progression(for: run, in: scope)
            try await self.advance(runID, with: progression, settling: command.id, in: scope, audit: .none) { run, p in
                var run = run
                // The device's time of the result: a step's duration counts from the confirmed open.
                let at = command.finishedAt ?? p.now
                let actions = run.commandSettled(
                    zoneID: command.zoneID,
                    action: command.action,
                    status: command.status,
                    at: at
                )
                return try p.apply(actions, to: run)
            }
        } catch {
            self.metrics.error()
            self.logger.error(
                "cannot apply settled command: \(error)",
                metadata: [
                    "command_id": "\(command.id.uuidString.lowercased())", "run": "\(runID.uuidString.lowercased())",
                ]
            )
        }
    }

    static func settledFirst(_ a: StoredCommand, _ b: StoredCommand) -> Bool {
        (a.command.finishedAt ?? .distantFuture, a.command.createdAt)
            < (b.command.finishedAt ?? .distantFuture, b.command.createdAt)
    }
}
