import Domain
import Foundation
import Synchronization

/// The streams of recently seen devices, so a device's batches do not each cost a lookup. Entries live `lifetime`;
/// a batch naming a stream the cached entry does not know refetches at once (a stream registered a moment ago is
/// never refused for staleness). Streams are never changed in place, only added.
final class StreamCache: Sendable {
    private struct Key: Hashable {
        var site: UUID
        var device: UUID
    }

    private let entries = Mutex<[Key: (streams: [SensorStream], fetched: ContinuousClock.Instant)]>([:])
    let lifetime: Duration
    static let maximumEntries = 50_000

    init(lifetime: Duration = .seconds(30)) {
        self.lifetime = lifetime
    }

    /// The cached streams of the device, if fresh.
    func streams(device: UUID, site: UUID) -> [SensorStream]? {
        let now = ContinuousClock.now
        return self.entries.withLock { entries in
            guard let entry = entries[Key(site: site, device: device)], now - entry.fetched < self.lifetime else {
                return nil
            }
            return entry.streams
        }
    }

    func store(_ streams: [SensorStream], device: UUID, site: UUID) {
        let now = ContinuousClock.now
        self.entries.withLock { entries in
            if entries.count >= Self.maximumEntries { entries.removeAll(keepingCapacity: true) }
            entries[Key(site: site, device: device)] = (streams, now)
        }
    }
}
