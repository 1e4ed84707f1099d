import Fieldbus
import Logging
import Synchronization
import Testing

/// Records the writes the server applied; refuses writes of 0xBAD.
final class RecordingHooks: ModbusServerHooks {
    let writes = Mutex<[ModbusRequest]>([])

    func validateWrite(_ request: ModbusRequest) -> ModbusExceptionCode? {
        request.values.contains(0xBAD) ? .illegalDataValue : nil
    }

    func didWrite(_ request: ModbusRequest) {
        self.writes.withLock { $0.append(request) }
    }
}

/// A server on a free loopback port with input registers 100...199 = 1000 + address and holding 0...9; stopped after
/// `body`, even when it throws.
func withServer(
    hooks: RecordingHooks = RecordingHooks(),
    _ body: (ModbusServer, RecordingHooks) async throws -> Void
) async throws {
    let datastore = RegisterDatastore(mapped: [.input: [100...199], .holding: [0...9]])
    try datastore.set(.input, address: 100, values: (100..<200).map { UInt16(1000 + $0) })
    let server = try ModbusServer(datastore: datastore, hooks: hooks, logger: Logger(label: "fieldbus-test"))
    do {
        try await body(server, hooks)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

func withClient(
    _ server: ModbusServer,
    timeout: Duration = .seconds(2),
    _ body: (ModbusClient) async throws -> Void
) async throws {
    let client = try await ModbusClient(port: server.port, responseTimeout: timeout)
    do {
        try await body(client)
    } catch {
        await client.close()
        throw error
    }
    await client.close()
}

/// A patient client (5 s) for reads that must succeed and an impatient one (300 ms) for reads expected to time out.
func withClients(_ server: ModbusServer, _ body: (ModbusClient, ModbusClient) async throws -> Void) async throws {
    try await withClient(server, timeout: .seconds(5)) { client in
        try await withClient(server, timeout: .milliseconds(300)) { impatient in try await body(client, impatient) }
    }
}

func errorCode(_ body: () async throws -> Void) async -> ModbusError.Code? {
    do {
        try await body()
        return nil
    } catch let error as ModbusError {
        return error.code
    } catch {
        return nil
    }
}

@Suite("ModbusServer")
struct ModbusServerTests {
    @Test func readsInputAndHoldingRegistersAndAppliesWrites() async throws {
        try await withServer { server, hooks in
            try await withClient(server) { client in
                let read66 = try await client.readInputRegisters(address: 120, count: 3)
                #expect(read66 == [1120, 1121, 1122])
                try await client.writeRegister(address: 2, value: 7)
                try await client.writeRegisters(address: 5, values: [8, 9])
                let read69 = try await client.readHoldingRegisters(address: 0, count: 10)
                #expect(read69 == [0, 0, 7, 0, 0, 8, 9, 0, 0, 0])
                #expect(hooks.writes.withLock { $0.map(\.values) } == [[7], [8, 9]])
                #expect(try server.datastore.read(.holding, address: 5, count: 2) == [8, 9])
            }
        }
    }

    @Test func aModelUpdateIsSeenByTheNextRead() async throws {
        try await withServer { server, _ in
            try await withClient(server) { client in
                server.datastore.set(.input, [150: 42, 151: 43])
                let read80 = try await client.readInputRegisters(address: 150, count: 2)
                #expect(read80 == [42, 43])
            }
        }
    }

    @Test func unmappedAddressesAndRefusedWritesGetExceptions() async throws {
        try await withServer { server, hooks in
            try await withClient(server) { client in
                #expect(
                    await errorCode { _ = try await client.readInputRegisters(address: 195, count: 10) }
                        == .exception(.illegalDataAddress)
                )
                #expect(
                    await errorCode { try await client.writeRegister(address: 3, value: 0xBAD) }
                        == .exception(.illegalDataValue)
                )
                #expect(hooks.writes.withLock { $0.isEmpty })
                // The connection is still good.
                let read94 = try await client.readInputRegisters(address: 100, count: 1)
                #expect(read94 == [1100])
            }
        }
    }

    @Test func servesSeveralClientsAtOnce() async throws {
        try await withServer { server, _ in
            try await withThrowingTaskGroup(of: [UInt16].self) { group in
                for index in 0..<4 {
                    group.addTask {
                        let client = try await ModbusClient(port: server.port)
                        defer { _ = client }
                        var last: [UInt16] = []
                        for _ in 0..<20 { last = try await client.readInputRegisters(address: 100 + index, count: 1) }
                        await client.close()
                        return last
                    }
                }
                var results: [[UInt16]] = []
                for try await result in group { results.append(result) }
                #expect(Set(results) == [[1100], [1101], [1102], [1103]])
            }
        }
    }

    @Test(arguments: [
        ModbusExceptionCode.illegalFunction, .illegalDataAddress, .serverDeviceFailure, .serverDeviceBusy,
    ])
    func anExceptionFaultAnswersWithItsCodeOnItsRangeOnly(code: ModbusExceptionCode) async throws {
        try await withServer { server, _ in
            server.setFault(try ModbusFault(name: "exception", effect: .exception(code), addresses: 120...121))
            try await withClient(server) { client in
                #expect(
                    await errorCode { _ = try await client.readInputRegisters(address: 118, count: 3) }
                        == .exception(code)
                )
                let read126 = try await client.readInputRegisters(address: 122, count: 1)
                #expect(read126 == [1122])
                #expect(server.interventions().map(\.cause) == ["fault exception"])
                #expect(server.interventions().first?.request.address == 118)
                server.clearFault("exception")
                let read130 = try await client.readInputRegisters(address: 118, count: 3)
                #expect(read130 == [1118, 1119, 1120])
            }
        }
    }

    @Test func aNoReplyFaultTimesTheClientOutForTheFirstNRequests() async throws {
        try await withServer { server, _ in
            server.setFault(try ModbusFault(name: "drop-first-2", effect: .noReply, remaining: 2))
            try await withClients(server) { client, impatient in
                for _ in 0..<2 {
                    #expect(
                        await errorCode { _ = try await impatient.readInputRegisters(address: 100, count: 1) }
                            == .timeout
                    )
                }
                let read143 = try await client.readInputRegisters(address: 100, count: 1)
                #expect(read143 == [1100])
                #expect(server.activeFaults().isEmpty)
                #expect(server.interventions().count == 2)
            }
        }
    }

    @Test(arguments: [ModbusFunction.readInputRegisters, .writeSingleRegister])
    func aJunkReplyIsMalformedAndTheConnectionRecovers(function: ModbusFunction) async throws {
        try await withServer { server, _ in
            server.setFault(try ModbusFault(name: "junk", effect: .junkReply, functions: [function], remaining: 1))
            try await withClient(server) { client in
                let code = await errorCode {
                    if function == .writeSingleRegister {
                        try await client.writeRegister(address: 1, value: 1)
                    } else {
                        _ = try await client.readInputRegisters(address: 100, count: 4)
                    }
                }
                #expect(code == .malformedReply)
                let read163 = try await client.readInputRegisters(address: 101, count: 1)
                #expect(read163 == [1101])
            }
        }
    }

    @Test func pacingLocksUpAHardPolledServerAndRefusesOversizedReads() async throws {
        try await withServer { server, _ in
            // A gap no back-to-back request can keep, so the test does not depend on the machine's speed.
            server.setPacing(
                try RequestPacing.Rules(
                    maxReadCount: 5,
                    minimumGap: .seconds(60),
                    violationsBeforeLockup: 2,
                    lockupDuration: .seconds(60)
                )
            )
            try await withClients(server) { client, impatient in
                #expect(
                    await errorCode { _ = try await client.readInputRegisters(address: 100, count: 6) }
                        == .exception(.illegalDataValue)
                )
                let read176 = try await client.readInputRegisters(address: 100, count: 5)  // violation 1
                #expect(read176.count == 5)
                #expect(
                    await errorCode { _ = try await impatient.readInputRegisters(address: 100, count: 1) }
                        == .timeout
                )  // violation 2: locked up
                #expect(
                    await errorCode { _ = try await impatient.readInputRegisters(address: 100, count: 1) }
                        == .timeout
                )
                server.setPacing(nil)
                let read182 = try await client.readInputRegisters(address: 100, count: 1)
                #expect(read182 == [1100])
            }
            #expect(
                server.interventions().map(\.cause) == [
                    "pacing oversizedRead", "pacing tooEarly(violations: 1)", "pacing lockupStarted", "pacing lockedUp",
                ]
            )
        }
    }

    @Test func badClientArgumentsNameTheirField() async throws {
        try await withServer { server, _ in
            try await withClient(server) { client in
                #expect(
                    await errorCode { _ = try await client.readInputRegisters(address: -1, count: 1) }
                        == .invalidArgument(field: "address")
                )
                #expect(
                    await errorCode { _ = try await client.readInputRegisters(address: 0, count: 0) }
                        == .invalidArgument(field: "count")
                )
                #expect(
                    await errorCode { _ = try await client.readHoldingRegisters(address: 0, count: 126) }
                        == .invalidArgument(field: "count")
                )
                #expect(
                    await errorCode { _ = try await client.readHoldingRegisters(address: 65_535, count: 2) }
                        == .invalidArgument(field: "count")
                )
                #expect(
                    await errorCode { try await client.writeRegisters(address: 0, values: []) }
                        == .invalidArgument(field: "values")
                )
                #expect(
                    await errorCode { try await client.writeRegister(address: 70_000, value: 1) }
                        == .invalidArgument(field: "address")
                )
            }
        }
        #expect(await errorCode { _ = try await ModbusClient(port: 0) } == .invalidArgument(field: "port"))
        #expect(await errorCode { _ = try await ModbusClient(port: 502, unit: 300) } == .invalidArgument(field: "unit"))
        #expect(
            await errorCode { _ = try ModbusServerConfiguration(host: "localhost") } == .invalidArgument(field: "host")
        )
        #expect(await errorCode { _ = try ModbusServerConfiguration(port: 70_000) } == .invalidArgument(field: "port"))
    }

    @Test func aClientOfAStoppedServerGetsAConnectionError() async throws {
        let server = try ModbusServer(datastore: RegisterDatastore(), logger: Logger(label: "fieldbus-test"))
        let port = server.port
        await server.stop()
        #expect(await errorCode { _ = try await ModbusClient(port: port) } == .connection)
    }
}
