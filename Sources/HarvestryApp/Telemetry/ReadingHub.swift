import Domain
import Foundation
import Logging
import Store
import Synchronization

/// Fans stored readings out to the Subscribe streams of this instance.
///
/// Every instance LISTENs on `ReadingNotification.channel`; the store NOTIFYs there in the ingest transaction, so
/// readings stored by any instance (this one included) reach every subscriber once, at commit. Subscribers get
/// whole batches of their site through a bounded buffer: a subscriber too slow to keep up loses the oldest batches
/// instead of growing memory without bound.
public final class ReadingHub: Sendable {
    private struct Subscriber: Sendable {
        let site: UUID
        let continuation: AsyncStream<[Reading]>.Continuation
    }

    private let subscribers = Mutex<[UUID: Subscriber]>([:])
    private let listening = Mutex(false)
    private let client: PostgresClient
    private let logger: Logger
    /// Batches buffered per subscriber.
    static let bufferedBatches = 1_024

    public init(client: PostgresClient, logger: Logger = Logger(label: "harvestry.telemetry.hub")) {
        self.client = client
        self.logger = logger
    }

    /// True once the LISTEN is in place (a test waits for it before it ingests).
    public var isListening: Bool { self.listening.withLock { $0 } }

    public var subscriberCount: Int { self.subscribers.withLock { $0.count } }

    /// A stream of the readings of `site` stored from now on; it ends when the hub stops. Call `unsubscribe(_:)`
    /// with the returned id when done.
    public func subscribe(site: UUID) -> (id: UUID, readings: AsyncStream<[Reading]>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(
            of: [Reading].self,
            bufferingPolicy: .bufferingNewest(Self.bufferedBatches)
        )
        self.subscribers.withLock { $0[id] = Subscriber(site: site, continuation: continuation) }
        return (id, stream)
    }

    public func unsubscribe(_ id: UUID) {
        self.subscribers.withLock { $0.removeValue(forKey: id) }?.continuation.finish()
    }

    /// Delivers readings (all of one site) to that site's subscribers.
    func publish(_ readings: [Reading]) {
        guard let site = readings.first?.siteID else { return }
        let targets = self.subscribers.withLock { $0.values.filter { $0.site == site } }
        for target in targets { target.continuation.yield(readings) }
    }

    /// LISTENs until cancelled (reconnecting after a lost connection, see `PostgresClient.notifications`), then
    /// ends every subscription.
    public func run() async throws {
        defer {
            self.listening.withLock { $0 = false }
            let all = self.subscribers.withLock { subscribers in
                defer { subscribers.removeAll() }
                return Array(subscribers.values)
            }
            for subscriber in all { subscriber.continuation.finish() }
        }
        let notes = try await self.client.notifications(channel: ReadingNotification.channel)
        self.listening.withLock { $0 = true }
        for try await note in notes {
            guard let readings = ReadingNotification.decode(note.payload) else {
                self.logger.warning("ignoring a malformed reading notification")
                continue
            }
            self.publish(readings)
        }
    }
}
