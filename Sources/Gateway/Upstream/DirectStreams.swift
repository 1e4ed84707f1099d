import AsyncAlgorithms
import GRPCCore
import Synchronization

/// A unary call's inbound stream: the metadata, then the one message.
struct UnaryRequestParts: AsyncSequence, Sendable {
    typealias Element = RPCRequestPart<[UInt8]>
    typealias Failure = any Error

    let metadata: Metadata
    let message: [UInt8]

    func makeAsyncIterator() -> Iterator { Iterator(metadata: self.metadata, message: self.message) }

    struct Iterator: AsyncIteratorProtocol {
        var metadata: Metadata?
        var message: [UInt8]?

        mutating func next() async throws -> Element? {
            if let metadata = self.metadata {
                self.metadata = nil
                return .metadata(metadata)
            }
            if let message = self.message {
                self.message = nil
                return .message(message)
            }
            return nil
        }
    }
}

/// A unary call's outbound stream: the parts the server writes, kept for the caller to read once the handler returns.
final class CollectedResponseParts: ClosableRPCWriterProtocol, Sendable {
    typealias Element = RPCResponsePart<[UInt8]>

    private let parts = Mutex<[Element]>([])

    func write(_ element: Element) async throws {
        self.parts.withLock { $0.append(element) }
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        self.parts.withLock { $0.append(contentsOf: elements) }
    }

    func finish() async {}
    func finish(throwing error: any Error) async {
        self.parts.withLock { $0.append(.status(Status(code: .unknown, message: "\(error)"), [:])) }
    }

    var collected: [Element] { self.parts.withLock { $0 } }
}

/// A streaming call's stream in one direction: each write waits until the other side takes the part
/// (backpressure); finishing ends the other side's sequence.
struct ChannelWriter<Element: Sendable>: ClosableRPCWriterProtocol {
    let channel: AsyncThrowingChannel<Element, any Error>

    func write(_ element: Element) async throws {
        await self.channel.send(element)
        try Task.checkCancellation()
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        for element in elements { try await self.write(element) }
    }

    func finish() async { self.channel.finish() }
    func finish(throwing error: any Error) async { self.channel.fail(error) }
}

/// A producer's messages as request parts.
struct RequestMessageWriter: RPCWriterProtocol {
    let channel: AsyncThrowingChannel<RPCRequestPart<[UInt8]>, any Error>

    func write(_ element: [UInt8]) async throws {
        await self.channel.send(.message(element))
        try Task.checkCancellation()
    }

    func write(contentsOf elements: some Sequence<[UInt8]>) async throws {
        for element in elements { try await self.write(element) }
    }
}

/// The server's response parts after the metadata, as a client sees them: messages, then trailing metadata on OK,
/// or the status as an `RPCError`.
struct ResponseBodyParts: AsyncSequence, Sendable {
    typealias Element = StreamingClientResponse<[UInt8]>.Contents.BodyPart
    typealias Failure = any Error

    let channel: AsyncThrowingChannel<RPCResponsePart<[UInt8]>, any Error>

    func makeAsyncIterator() -> Iterator { Iterator(parts: self.channel.makeAsyncIterator()) }

    struct Iterator: AsyncIteratorProtocol {
        var parts: AsyncThrowingChannel<RPCResponsePart<[UInt8]>, any Error>.Iterator
        var ended = false

        mutating func next() async throws -> Element? {
            guard !self.ended else { return nil }
            switch try await self.parts.next() {
            case .message(let bytes):
                return .message(bytes)
            case .status(let status, let trailers):
                self.ended = true
                if let error = RPCError(status: status, metadata: trailers) { throw error }
                return .trailingMetadata(trailers)
            case .metadata:
                throw RPCError(code: .internalError, message: "the server sent a second set of metadata")
            case nil:
                self.ended = true
                throw RPCError(code: .internalError, message: "the server ended the stream without a status")
            }
        }
    }
}
