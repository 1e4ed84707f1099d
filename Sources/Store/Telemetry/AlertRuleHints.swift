import Domain
import Foundation
import Synchronization

/// Which streams had alert rules when this instance last ingested them: the ingest statement reports the staged
/// streams that have rules, so alert evaluation can skip the (usual) streams without any instead of opening a
/// transaction to find none. A stream never ingested here, or seen with rules, is evaluated as before. A rule
/// created after a stream's last ingest is seen by its next ingest.
final class AlertRuleHints: Sendable {
    private let withoutRules = Mutex<Set<UUID>>([])
    static let maximumEntries = 100_000

    /// Records an ingest's staged streams and those of them that have rules.
    func record(streams: Set<UUID>, withRules: Set<UUID>) {
        self.withoutRules.withLock { known in
            if known.count >= Self.maximumEntries { known.removeAll(keepingCapacity: true) }
            known.formUnion(streams.subtracting(withRules))
            known.subtract(withRules)
        }
    }

    /// The readings whose streams may have rules.
    func mayHaveRules(_ readings: [Reading]) -> [Reading] {
        self.withoutRules.withLock { known in readings.filter { !known.contains($0.streamID) } }
    }
}
