import Testing

@testable import Simulator

@Suite("Toxic table: admission, connection actions, names")
struct ToxicTableTests {
    @Test func downRefusesNewConnectionsAndClosesOpenOnesAtOnce() throws {
        var table = ToxicTable(seed: 1)
        #expect(table.admit(connection: 1, now: .zero) == .accept)
        let down = try table.add(Toxic(.down), now: .zero)
        #expect(table.admit(connection: 2, now: .zero) == .refuse(toxicID: down.id))
        #expect(table.connectionAction(of: down, for: 1) == .close(after: .zero))
        _ = table.remove(named: "down_both")
        #expect(table.admit(connection: 3, now: .zero) == .accept)
    }

    @Test func dropFirstConnectionsDropsExactlyN() throws {
        var table = ToxicTable(seed: 1)
        let drop = try table.add(Toxic(.dropFirstConnections(count: 2)), now: .zero)
        let admissions = (UInt64(1)...4).map { table.admit(connection: $0, now: .zero) }
        #expect(admissions == [.drop(toxicID: drop.id), .drop(toxicID: drop.id), .accept, .accept])
    }

    @Test func resetAndTimeoutBecomeTimedConnectionActions() throws {
        var table = ToxicTable(seed: 1)
        let reset = try table.add(Toxic(.resetPeer(after: .milliseconds(300)), direction: .downstream), now: .zero)
        let timeout = try table.add(Toxic(.timeout(after: .seconds(2)), direction: .upstream), now: .zero)
        let held = try table.add(Toxic(name: "held", .timeout(after: nil)), now: .zero)
        _ = try table.add(Toxic(.latency(.milliseconds(5), jitter: .zero)), now: .zero)
        #expect(table.connectionAction(of: reset, for: 9) == .reset(towards: .downstream, after: .milliseconds(300)))
        #expect(table.connectionAction(of: timeout, for: 9) == .close(after: .seconds(2)))
        #expect(table.connectionAction(of: held, for: 9) == nil)
        #expect(table.connectionActions(for: 9, now: .zero).count == 2)
    }

    @Test func namesAreUniqueAndIDsAreNeverReused() throws {
        var table = ToxicTable(seed: 1)
        let first = try table.add(Toxic(.blackhole), now: .zero)
        #expect {
            try table.add(Toxic(.blackhole), now: .zero)
        } throws: { error in
            (error as? FaultProxyError)?.code == .alreadyExists && (error as? FaultProxyError)?.field == "name"
        }
        _ = table.remove(id: first.id)
        let second = try table.add(Toxic(.blackhole), now: .zero)
        #expect(second.id != first.id)
    }

    @Test func addValidates() {
        var table = ToxicTable(seed: 1)
        #expect(throws: FaultProxyError.self) { try table.add(Toxic(.bandwidth(kilobytesPerSecond: 0)), now: .zero) }
        #expect(table.active.isEmpty)
    }
}
