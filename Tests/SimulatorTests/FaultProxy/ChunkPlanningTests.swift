import Testing

@testable import Simulator

@Suite("Chunk planning")
struct ChunkPlanningTests {
    /// A table holding `toxics`, added at time zero.
    static func table(_ toxics: Toxic..., seed: UInt64 = 7) throws -> ToxicTable {
        var table = ToxicTable(seed: seed)
        for toxic in toxics { _ = try table.add(toxic, now: .zero) }
        return table
    }

    @Test func withoutToxicsAChunkLeavesWholeAndAtOnce() throws {
        var table = try Self.table()
        var state = ProxyFlowState()
        let plan = table.plan(size: 100, flow: .upstream, connection: 1, now: .seconds(1), state: &state)
        #expect(plan.pieces == [.init(offset: 0, length: 100, release: .seconds(1))])
        #expect(plan.applications.isEmpty && !plan.closeAfterward)
    }

    @Test func latencyDelaysByItsAmountInItsDirectionOnly() throws {
        var table = try Self.table(Toxic(.latency(.milliseconds(200), jitter: .zero), direction: .downstream))
        var state = ProxyFlowState()
        let down = table.plan(size: 10, flow: .downstream, connection: 1, now: .seconds(1), state: &state)
        #expect(down.pieces.map(\.release) == [.milliseconds(1200)])
        #expect(down.applications.map(\.effect) == [.delayed])
        #expect(down.applications.first?.delay == .milliseconds(200))
        var upState = ProxyFlowState()
        let up = table.plan(size: 10, flow: .upstream, connection: 1, now: .seconds(1), state: &upState)
        #expect(up.pieces.map(\.release) == [.seconds(1)] && up.applications.isEmpty)
    }

    @Test func jitterStaysInBoundsAndOrderIsKept() throws {
        var table = try Self.table(Toxic(.latency(.milliseconds(100), jitter: .milliseconds(80))))
        var state = ProxyFlowState()
        var previous: Duration = .zero
        var delays: Set<Duration> = []
        for step in 0..<200 {
            let now = Duration.milliseconds(step)
            let plan = table.plan(size: 1, flow: .upstream, connection: 1, now: now, state: &state)
            let release = try #require(plan.pieces.first?.release)
            let delay = try #require(plan.applications.first?.delay)
            #expect(delay >= .milliseconds(20) && delay <= .milliseconds(180))
            #expect(release >= previous, "a later chunk overtook an earlier one")
            #expect(release >= now + delay)
            previous = release
            delays.insert(delay)
        }
        #expect(delays.count > 10, "jitter drew (almost) the same delay every time")
    }

    @Test func sameSeedSamePlans() throws {
        func releases(seed: UInt64) throws -> [Duration] {
            var table = try Self.table(Toxic(.latency(.milliseconds(50), jitter: .milliseconds(40))), seed: seed)
            var state = ProxyFlowState()
            return (0..<20).compactMap { _ in
                table.plan(size: 1, flow: .upstream, connection: 1, now: .zero, state: &state).applications.first?.delay
            }
        }
        #expect(try releases(seed: 3) == releases(seed: 3))
        #expect(try releases(seed: 3) != releases(seed: 4))
    }

    @Test func bandwidthPacesAcrossChunks() throws {
        // 10 KB/s: 1000 bytes take 100 ms.
        var table = try Self.table(Toxic(.bandwidth(kilobytesPerSecond: 10)))
        var state = ProxyFlowState()
        let first = table.plan(size: 2500, flow: .upstream, connection: 1, now: .zero, state: &state)
        #expect(first.pieces.map(\.length) == [1000, 1000, 500])
        #expect(first.pieces.map(\.release) == [.milliseconds(100), .milliseconds(200), .milliseconds(250)])
        #expect(first.applications.map(\.effect) == [.throttled])
        let second = table.plan(size: 1000, flow: .upstream, connection: 1, now: .milliseconds(10), state: &state)
        #expect(second.pieces.map(\.release) == [.milliseconds(350)], "the second chunk waits for the first")
    }

    @Test func slicerSplitsWithinBoundsAndSpacesPieces() throws {
        var table = try Self.table(
            Toxic(.slicer(averageSize: 10, sizeVariation: 3, delay: .milliseconds(5)), direction: .downstream)
        )
        var state = ProxyFlowState()
        let plan = table.plan(size: 95, flow: .downstream, connection: 1, now: .zero, state: &state)
        #expect(plan.forwardedBytes == 95)
        #expect(plan.pieces.dropLast().allSatisfy { (7...13).contains($0.length) })
        #expect(zip(plan.pieces, plan.pieces.dropFirst()).allSatisfy { $0.offset + $0.length == $1.offset })
        #expect(zip(plan.pieces, plan.pieces.dropFirst()).allSatisfy { $1.release - $0.release == .milliseconds(5) })
        #expect(plan.applications.first?.effect == .sliced)
        #expect(plan.applications.first?.pieceCount == plan.pieces.count)
    }

    @Test func limitDataForwardsTheAllowanceThenCloses() throws {
        var table = try Self.table(Toxic(.limitData(bytes: 25), direction: .upstream))
        var state = ProxyFlowState()
        let first = table.plan(size: 20, flow: .upstream, connection: 1, now: .zero, state: &state)
        #expect(first.forwardedBytes == 20 && !first.closeAfterward)
        let second = table.plan(size: 20, flow: .upstream, connection: 1, now: .zero, state: &state)
        #expect(second.forwardedBytes == 5 && second.closeAfterward)
        #expect(second.applications.map(\.effect) == [.limited])
        #expect(second.applications.first?.bytes == 5)
    }

    @Test func limitDataOfZeroClosesOnTheFirstByte() throws {
        var table = try Self.table(Toxic(.limitData(bytes: 0)))
        var state = ProxyFlowState()
        let plan = table.plan(size: 3, flow: .downstream, connection: 1, now: .zero, state: &state)
        #expect(plan.pieces.isEmpty && plan.closeAfterward)
    }

    @Test(arguments: [Toxic.Kind.blackhole, .timeout(after: nil), .timeout(after: .seconds(1))])
    func swallowingToxicsDropTheChunk(_ kind: Toxic.Kind) throws {
        var table = try Self.table(Toxic(kind, direction: .downstream))
        var state = ProxyFlowState()
        let down = table.plan(size: 42, flow: .downstream, connection: 1, now: .zero, state: &state)
        #expect(down.pieces.isEmpty && !down.closeAfterward)
        #expect(down.applications.map(\.effect) == [.swallowed])
        #expect(down.applications.first?.bytes == 42)
        let up = table.plan(size: 42, flow: .upstream, connection: 1, now: .zero, state: &state)
        #expect(up.forwardedBytes == 42, "a downstream-only toxic touched upstream data")
    }

    @Test func dropFirstChunksCountsOverAllConnections() throws {
        var table = try Self.table(Toxic(.dropFirstChunks(count: 3), direction: .upstream))
        var state = ProxyFlowState()
        let fates = (0..<5).map { index in
            table.plan(size: 1, flow: .upstream, connection: UInt64(index % 2 + 1), now: .zero, state: &state)
                .forwardedBytes
        }
        #expect(fates == [0, 0, 0, 1, 1])
        #expect(table.active.first?.remaining == 0)
    }

    @Test func zeroToxicityNeverAppliesFullAlways() throws {
        var table = try Self.table(Toxic(name: "never", .blackhole, toxicity: 0))
        var state = ProxyFlowState()
        for connection in UInt64(1)...50 {
            #expect(
                table.plan(size: 1, flow: .upstream, connection: connection, now: .zero, state: &state).forwardedBytes
                    == 1
            )
        }
    }

    @Test func partialToxicityPicksSomeConnectionsStably() throws {
        var table = try Self.table(Toxic(name: "half", .blackhole, toxicity: 0.5))
        var state = ProxyFlowState()
        let hit = (UInt64(1)...400).filter { connection in
            table.plan(size: 1, flow: .upstream, connection: connection, now: .zero, state: &state).forwardedBytes == 0
        }
        #expect((120...280).contains(hit.count))
        let again = (UInt64(1)...400).filter { connection in
            table.plan(size: 1, flow: .upstream, connection: connection, now: .zero, state: &state).forwardedBytes == 0
        }
        #expect(hit == again, "the same connection got a different toxicity draw")
    }

    @Test func anExpiredToxicNoLongerApplies() throws {
        var table = try Self.table(Toxic(.blackhole, lifetime: .timed(.seconds(2))))
        var state = ProxyFlowState()
        #expect(
            table.plan(size: 5, flow: .upstream, connection: 1, now: .seconds(1), state: &state).forwardedBytes == 0
        )
        #expect(
            table.plan(size: 5, flow: .upstream, connection: 1, now: .seconds(2), state: &state).forwardedBytes == 5
        )
        #expect(table.expire(now: .seconds(2)).map(\.toxic.name) == ["blackhole_both"])
        #expect(table.active.isEmpty)
    }

    @Test func latencyAndSlicerCompose() throws {
        var table = try Self.table(
            Toxic(.latency(.milliseconds(100), jitter: .zero)),
            Toxic(.slicer(averageSize: 4, sizeVariation: 0, delay: .milliseconds(10)))
        )
        var state = ProxyFlowState()
        let plan = table.plan(size: 12, flow: .upstream, connection: 1, now: .zero, state: &state)
        #expect(plan.pieces.map(\.release) == [.milliseconds(100), .milliseconds(110), .milliseconds(120)])
        #expect(Set(plan.applications.map(\.effect)) == [.delayed, .sliced])
    }
}
