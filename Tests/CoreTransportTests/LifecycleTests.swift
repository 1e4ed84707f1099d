import CoreTransport
import GRPCCore
import Synchronization
import Testing

@Suite("Deadlines, cancellation and shutdown over the C core")
struct LifecycleTests {
    @Test("a call past its deadline fails with DEADLINE_EXCEEDED and the server handler is cancelled")
    func deadlineExceeded() async throws {
        let service = ConformanceService()
        try await TransportHarness.run(services: [service]) { client, _, _ in
            var options = CallOptions.defaults
            options.timeout = .milliseconds(200)
            let error = await #expect(throws: RPCError.self) {
                _ = try await client.unaryBytes(method: ConformanceService.hang, [1], options: options).message
            }
            #expect(error?.code == .deadlineExceeded)
            // Under load the deadline can pass before the server accepts the call, and then no handler runs at all;
            // a handler that did start must have been cancelled.
            try await Self.eventually { service.probe.cancelledCount == service.probe.startedCount }
        }
    }

    @Test("cancelling the client task mid-stream cancels the server handler")
    func clientCancelsMidStream() async throws {
        let service = ConformanceService()
        try await TransportHarness.run(services: [service]) { client, _, _ in
            let started = AsyncStream<Void>.makeStream()
            let task = Task {
                try await client.bidirectionalStreaming(
                    request: StreamingClientRequest { writer in
                        try await writer.write([1])
                        started.continuation.yield()
                        try await Task.sleep(for: .seconds(60))
                    },
                    descriptor: ConformanceService.hang,
                    serializer: BytesCodec(),
                    deserializer: BytesCodec(),
                    options: .defaults
                ) { response in
                    for try await _ in response.messages {}
                }
            }
            for await _ in started.stream { break }
            try await Self.eventually { service.probe.startedCount == 1 }
            task.cancel()
            await #expect(throws: (any Error).self) { try await task.value }
            try await Self.eventually { service.probe.cancelledCount == 1 }
        }
    }

    @Test("the server giving up mid-stream: the client gets the messages so far, then the error")
    func serverAbortsMidStream() async throws {
        try await TransportHarness.run { client, _, _ in
            let received = Mutex<[[UInt8]]>([])
            let error = await #expect(throws: RPCError.self) {
                try await client.serverStreaming(
                    request: ClientRequest(message: [10], metadata: ["x-abort-after": "4"]),
                    descriptor: ConformanceService.serverStream,
                    serializer: BytesCodec(),
                    deserializer: BytesCodec(),
                    options: .defaults
                ) { response in
                    for try await message in response.messages { received.withLock { $0.append(message) } }
                }
            }
            #expect(error?.code == .aborted)
            #expect(error?.message == "aborted after 4 messages")
            #expect(received.withLock { $0 } == [[0], [1], [2], [3]])
        }
    }

    @Test("the client stopping early on a server stream cancels the rest")
    func clientStopsReading() async throws {
        try await TransportHarness.run { client, _, _ in
            let first = try await client.serverStreaming(
                request: ClientRequest(message: [250]),
                descriptor: ConformanceService.serverStream,
                serializer: BytesCodec(),
                deserializer: BytesCodec(),
                options: .defaults
            ) { response in
                for try await message in response.messages { return message }
                return []
            }
            #expect(first == [0])
            // The connection is still good afterwards.
            let result = try await client.unaryBytes([5]).message
            #expect(result == [5])
        }
    }

    @Test("graceful shutdown lets a running call finish")
    func gracefulShutdownWaitsForCalls() async throws {
        try await TransportHarness.run { client, _, server in
            let (requests, continuation) = AsyncStream<[UInt8]>.makeStream()
            let (firstAnswer, answered) = AsyncStream<Void>.makeStream()
            let inFlight = Task {
                try await client.bidirectionalStreaming(
                    request: StreamingClientRequest { writer in
                        for await message in requests { try await writer.write(message) }
                    },
                    descriptor: ConformanceService.bidi,
                    serializer: BytesCodec(),
                    deserializer: BytesCodec(),
                    options: .defaults
                ) { response in
                    var seen: [[UInt8]] = []
                    for try await message in response.messages {
                        seen.append(message)
                        answered.yield()
                    }
                    return seen
                }
            }
            continuation.yield([1])
            // The call is established and answered before the shutdown begins.
            for await _ in firstAnswer { break }
            server.beginGracefulShutdown()
            try await Task.sleep(for: .milliseconds(100))
            // The call keeps working after shutdown began.
            continuation.yield([2])
            continuation.finish()
            let result = try await inFlight.value
            #expect(result == [[1], [2]])
        }
    }

    @Test("the grace period ends calls that do not finish")
    func gracePeriodCancels() async throws {
        let service = ConformanceService()
        try await TransportHarness.run(services: [service], server: .init(shutdownGracePeriod: .milliseconds(200))) {
            client, _, server in
            let hanging = Task { try await client.unaryBytes(method: ConformanceService.hang, [1]).message }
            try await Self.eventually { service.probe.startedCount == 1 }
            server.beginGracefulShutdown()
            await #expect(throws: RPCError.self) { try await hanging.value }
            try await Self.eventually { service.probe.cancelledCount == 1 }
        }
    }

    /// Polls a condition for up to five seconds (completion order across threads is not deterministic).
    static func eventually(_ condition: @Sendable () -> Bool) async throws {
        for _ in 0..<500 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(condition())
    }
}
