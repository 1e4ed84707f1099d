import GRPCCore
import GRPCProtobuf
import Synchronization

/// A raw-bytes service with one method of each RPC kind plus methods that misbehave on purpose.
///
/// Request metadata steers it: `x-echo-metadata` echoes every request header back as response and trailing
/// metadata; `x-fail` makes it fail with a google.rpc.Status carrying an ErrorInfo.
struct ConformanceService: RegistrableRPCService {
    static let service = "harvestry.conformance.v1.ConformanceService"
    static let unary = MethodDescriptor(fullyQualifiedService: service, method: "Unary")
    static let serverStream = MethodDescriptor(fullyQualifiedService: service, method: "ServerStream")
    static let clientStream = MethodDescriptor(fullyQualifiedService: service, method: "ClientStream")
    static let bidi = MethodDescriptor(fullyQualifiedService: service, method: "Bidi")
    /// Streams `floodCount` messages of 1 MiB as fast as the transport lets it, counting the writes that returned.
    static let flood = MethodDescriptor(fullyQualifiedService: service, method: "Flood")
    static let floodCount = 64
    /// Never answers: returns only when the RPC is cancelled, and records that it was.
    static let hang = MethodDescriptor(fullyQualifiedService: service, method: "Hang")

    /// What the server observed, for tests to assert on.
    let probe = Probe()

    final class Probe: Sendable {
        private let state = Mutex<(started: Int, cancelled: Int, deadlines: [String], peers: [String])>((0, 0, [], []))
        private let written = Atomic<Int>(0)
        func recordWritten() { self.written.add(1, ordering: .relaxed) }
        var writtenCount: Int { self.written.load(ordering: .relaxed) }
        func recordStarted() { self.state.withLock { $0.started += 1 } }
        func recordCancelled() { self.state.withLock { $0.cancelled += 1 } }
        var startedCount: Int { self.state.withLock { $0.started } }
        func record(deadline: String?, peer: String) {
            self.state.withLock {
                if let deadline { $0.deadlines.append(deadline) }
                $0.peers.append(peer)
            }
        }
        var cancelledCount: Int { self.state.withLock { $0.cancelled } }
        var deadlines: [String] { self.state.withLock { $0.deadlines } }
        var peers: [String] { self.state.withLock { $0.peers } }
    }

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let codec = BytesCodec()
        router.registerHandler(forMethod: Self.unary, deserializer: codec, serializer: codec) { request, context in
            self.probe.record(deadline: request.metadata[stringValues: "grpc-timeout"].first(where: { _ in true }), peer: context.remotePeer)
            try Self.failIfAsked(request.metadata)
            var received: [[UInt8]] = []
            for try await message in request.messages { received.append(message) }
            let messages = received
            return StreamingServerResponse(metadata: Self.echoed(request.metadata)) { writer in
                for message in messages { try await writer.write(message) }
                return Self.echoed(request.metadata)
            }
        }
        router.registerHandler(forMethod: Self.serverStream, deserializer: codec, serializer: codec) { request, _ in
            try Self.failIfAsked(request.metadata)
            var count = 0
            for try await message in request.messages { count = Int(message.first ?? 0) }
            let total = count
            // `x-abort-after: N` makes the server give up mid-stream after N messages.
            let abortAfter = request.metadata[stringValues: "x-abort-after"].first(where: { _ in true }).flatMap { Int($0) }
            return StreamingServerResponse { writer in
                for index in 0..<total {
                    if index == abortAfter { throw RPCError(code: .aborted, message: "aborted after \(index) messages") }
                    try await writer.write([UInt8(truncatingIfNeeded: index)])
                }
                return [:]
            }
        }
        router.registerHandler(forMethod: Self.clientStream, deserializer: codec, serializer: codec) { request, _ in
            var total = 0
            var count = 0
            for try await message in request.messages {
                total += message.count
                count += 1
            }
            let summary = Array("\(count) messages, \(total) bytes".utf8)
            return StreamingServerResponse { writer in
                try await writer.write(summary)
                return [:]
            }
        }
        router.registerHandler(forMethod: Self.bidi, deserializer: codec, serializer: codec) { request, _ in
            StreamingServerResponse { writer in
                for try await message in request.messages { try await writer.write(message) }
                return [:]
            }
        }
        router.registerHandler(forMethod: Self.flood, deserializer: codec, serializer: codec) { request, _ in
            let probe = self.probe
            for try await _ in request.messages {}
            return StreamingServerResponse { writer in
                let megabyte = [UInt8](repeating: 0xAB, count: 1 << 20)
                for _ in 0..<Self.floodCount {
                    try await writer.write(megabyte)
                    probe.recordWritten()
                }
                return [:]
            }
        }
        router.registerHandler(forMethod: Self.hang, deserializer: codec, serializer: codec) { request, context in
            let probe = self.probe
            probe.recordStarted()
            return StreamingServerResponse { writer in
                do {
                    try await context.cancellation.cancelled
                } catch {}
                probe.recordCancelled()
                throw RPCError(code: .cancelled, message: "cancelled as asked")
            }
        }
    }

    static func echoed(_ metadata: Metadata) -> Metadata {
        guard metadata.contains(where: { $0.key == "x-echo-metadata" }) else { return [:] }
        return Metadata(metadata.filter { $0.key.hasPrefix("x-") })
    }

    static func failIfAsked(_ metadata: Metadata) throws {
        guard metadata.contains(where: { $0.key == "x-fail" }) else { return }
        var info = ErrorDetails.ErrorInfo(reason: "REQUESTED_FAILURE", domain: "harvestry.io")
        info.metadata = ["field": "x-fail"]
        throw GoogleRPCStatus(code: .failedPrecondition, message: "failure requested by x-fail", details: [.errorInfo(info)])
    }
}
