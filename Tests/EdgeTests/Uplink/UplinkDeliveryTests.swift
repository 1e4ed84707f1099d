import Edge
import Foundation
import Testing

/// The uploader against a real server (embedded Postgres, every service, the auth interceptor) over the C-core
/// transport: every spooled reading is stored exactly once, also across a platform outage, and a replay of
/// delivered readings changes nothing.
@Suite(.serialized) struct UplinkDeliveryTests {
    /// The outage's length: EDGE_UPLINK_OUTAGE_SECONDS (60 for the full length), 3 s by default.
    static var outage: Duration {
        .seconds(Int(ProcessInfo.processInfo.environment["EDGE_UPLINK_OUTAGE_SECONDS"] ?? "") ?? 3)
    }

    /// Reading `index` for the platform's devices: two devices × two streams, 1/64 s apart (exact in a Double, so the
    /// stored microseconds are too), plausible values.
    static func reading(_ index: Int, _ platform: EdgePlatform, base: Date) -> EdgeReading {
        EdgeReading(
            deviceId: platform.devices[index % 2],
            stream: (index / 2) % 2 == 0 ? "air_temp" : "rh",
            value: 20 + Double(index % 400) / 8,
            unit: "",
            timestamp: base.addingTimeInterval(Double(index) / 64)
        )
    }

    static func key(_ reading: EdgeReading) -> String {
        let micros = Int64((reading.timestamp.timeIntervalSince1970 * 1_000_000).rounded())
        return EdgePlatform.describe(device: reading.deviceId, stream: reading.stream, micros: micros, value: reading.value)
    }

    static func uploader(_ spool: FileSpool, _ platform: EdgePlatform) async throws -> Uploader {
        try Uploader(
            spool: spool,
            spoolIdentity: await spool.identity,
            configuration: UplinkConfiguration(
                target: platform.target,
                token: platform.token,
                batchLimit: 250,
                idleInterval: .milliseconds(20),
                callTimeout: .seconds(10),
                backoff: UplinkBackoff(initial: .milliseconds(100), maximum: .seconds(1))
            ),
            logger: edgeTestLogger
        )
    }

    /// Waits (bounded) until the spool is empty; false if it never empties.
    static func drained(_ spool: FileSpool, within limit: Duration = .seconds(90)) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if await spool.status().depth == 0 { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    @Test func everyReadingArrivesExactlyOnceAcrossAnOutage() async throws {
        try await EdgePlatform.with { platform in
            let directory = SpoolDirectory("uplink")
            defer { directory.remove() }
            let spool = try await directory.open(segmentBytes: 16_384)
            let uploader = try await Self.uploader(spool, platform)
            let base = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - 7_200)
            let expected = Set((0..<2000).map { Self.key(Self.reading($0, platform, base: base)) })
            @Sendable func append(_ range: Range<Int>) async throws {
                for start in stride(from: range.lowerBound, to: range.upperBound, by: 10) {
                    try await spool.append((start..<min(start + 10, range.upperBound)).map { Self.reading($0, platform, base: base) })
                }
            }

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await uploader.run() }
                defer { group.cancelAll() }

                // Up: delivered as it is appended.
                try await platform.serve {
                    try await append(0..<1000)
                    #expect(try await Self.drained(spool), "the spool did not drain while the platform was up")
                }
                #expect(uploader.metrics.snapshot().acceptedReadings == 1000)

                // Down: readings keep coming, nothing leaves the spool.
                let errorsBefore = uploader.metrics.snapshot().errors.values.reduce(0, +)
                try await append(1000..<1600)
                try await Task.sleep(for: Self.outage)
                #expect(await spool.status().depth == 600)
                #expect(uploader.metrics.snapshot().errors.values.reduce(0, +) > errorsBefore)

                // Up again: the backlog and what follows arrive.
                try await platform.serve {
                    try await append(1600..<2000)
                    #expect(try await Self.drained(spool), "the spool did not drain after the outage")
                }
            }

            let stored = try await platform.storedReadings()
            #expect(stored.rows == 2000)
            #expect(stored.readings == expected)
            #expect(uploader.metrics.snapshot().rejectedReadings == 0)
        }
    }

    @Test func aReplayOfDeliveredReadingsChangesNothing() async throws {
        try await EdgePlatform.with { platform in
            let base = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - 7_200)
            let readings = (0..<300).map { Self.reading($0, platform, base: base) }
            try await platform.serve {
                // The same readings through two spools, as after kill -9 between the platform's answer and the
                // spool's acknowledgement (with a lost acknowledged file: a new spool identity, new request ids).
                for round in 0..<2 {
                    let directory = SpoolDirectory("replay")
                    defer { directory.remove() }
                    let spool = try await directory.open()
                    try await spool.append(readings)
                    let uploader = try await Self.uploader(spool, platform)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await uploader.run() }
                        let drained = try await Self.drained(spool)
                        #expect(drained)
                        group.cancelAll()
                    }
                    let metrics = uploader.metrics.snapshot()
                    #expect(metrics.acceptedReadings == (round == 0 ? 300 : 0))
                    #expect(metrics.duplicateReadings == (round == 0 ? 0 : 300))
                }
            }
            let stored = try await platform.storedReadings()
            #expect(stored.rows == 300)
            #expect(stored.readings == Set(readings.map(Self.key)))
        }
    }
}
