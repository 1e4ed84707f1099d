import Foundation
import Simulator

#if canImport(Glibc)
import Glibc
#endif

/// The live one-line summary of `harvestry sim run` (refreshed once a second on a terminal, in place), and the
/// final one.
struct SimSummary: Sendable {
    let stats: RuntimeStats
    let start: SimInstant
    let wallStart = ContinuousClock.now

    func run() async {
        guard isatty(STDOUT_FILENO) == 1 else { return }
        var previous = self.stats.snapshot.published
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(1))
            } catch {
                break
            }
            let snapshot = self.stats.snapshot
            let line = self.line(snapshot, rate: Double(snapshot.published - previous))
            previous = snapshot.published
            FileHandle.standardOutput.write(Data("\r\u{1B}[K\(line)".utf8))
        }
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    func line(_ snapshot: RuntimeStats.Snapshot, rate: Double) -> String {
        let simulated = Double(snapshot.simNanos - self.start.nanosecondsSinceEpoch) / 1e9
        return "devices \(snapshot.devices) | \(String(format: "%.0f", rate)) msg/s | spooled \(snapshot.spooled)"
            + " | faults \(snapshot.faultsActive) | connected \(snapshot.connected)/\(snapshot.connections)"
            + " | sim +\(String(format: "%.0f", max(0, simulated)))s"
    }

    func finalLine() -> String {
        let snapshot = self.stats.snapshot
        let elapsed = Double((ContinuousClock.now - self.wallStart).nanoseconds) / 1e9
        return "done: devices \(snapshot.devices), published \(snapshot.published)"
            + " (\(String(format: "%.0f", Double(snapshot.published) / max(elapsed, 1e-9))) msg/s),"
            + " acknowledged \(snapshot.acknowledged), replayed from spools \(snapshot.replayed),"
            + " left in spools \(snapshot.spooled), failed \(snapshot.failed),"
            + " commands \(snapshot.commands) (\(snapshot.rejectedCommands) invalid), in \(String(format: "%.1f", elapsed)) s"
    }
}
