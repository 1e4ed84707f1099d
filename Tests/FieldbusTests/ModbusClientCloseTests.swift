import Fieldbus
import Testing

@Suite("ModbusClient close")
struct ModbusClientCloseTests {
    /// Before the fix the second close freed the context twice (a crash).
    @Test func closingTwiceIsHarmlessAndLaterCallsFailClosed() async throws {
        try await withServer { server, _ in
            let client = try await ModbusClient(port: server.port, responseTimeout: .seconds(5))
            await client.close()
            await client.close()
            let code = await errorCode { _ = try await client.readInputRegisters(address: 100, count: 1) }
            #expect(code == .closed)
        }
    }

    /// Reads racing `close()` either succeed or fail with `.closed`; none runs on the freed context. Before the fix a
    /// read queued between the free job and the stop mark ran on freed memory.
    @Test func readsRacingCloseSucceedOrFailClosed() async throws {
        try await withServer { server, _ in
            for _ in 0..<20 {
                let client = try await ModbusClient(port: server.port, responseTimeout: .seconds(5))
                let outcomes = await withTaskGroup(of: ModbusError.Code?.self) { group in
                    for index in 0..<16 {
                        if index == 4 { group.addTask { await client.close(); return nil } }
                        group.addTask {
                            await errorCode { _ = try await client.readInputRegisters(address: 100, count: 2) }
                        }
                    }
                    var codes: [ModbusError.Code?] = []
                    for await code in group { codes.append(code) }
                    return codes
                }
                await client.close()
                #expect(outcomes.allSatisfy { $0 == nil || $0 == .closed })
            }
        }
    }
}
