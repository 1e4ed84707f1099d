import Crypto
import Domain
import GRPCCore
import Logging
import SwiftProtobuf
import Synchronization

/// AIP-155 for every unary RPC whose request carries a `request_id` (`IdempotentRequest`): the first call with an id
/// runs and its response is stored; a repeat of the same request by the same user gets that response again and
/// writes nothing. Reusing an id for another method or another request is INVALID_ARGUMENT (`REQUEST_ID_REUSED`);
/// a repeat while the first call still runs is ABORTED (`REQUEST_IN_PROGRESS`). A call that fails frees its id, so
/// a retry runs it again. Runs after `AuthInterceptor`, whose principal owns the ids.
public struct IdempotencyInterceptor: ServerInterceptor {
    private let ledger: any RequestLedger
    private let logger: Logger
    /// How long an unfinished claim blocks its id (its process may have died).
    private let staleAfter: Duration

    public init(ledger: any RequestLedger, logger: Logger, staleAfter: Duration = .seconds(300)) {
        self.ledger = ledger
        self.logger = logger
        self.staleAfter = staleAfter
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard Input.self is any IdempotentRequest.Type, let outputType = Output.self as? any SwiftProtobuf.Message.Type,
            let scope = Principal.current?.scope
        else {
            return try await next(request, context)
        }
        let single = try await ServerRequest(stream: request)
        let message = single.message as! any IdempotentRequest  // checked above
        let requestID = message.requestID
        let forward = StreamingServerRequest(single: single)
        // No id, or one the handler will refuse with its field violations (too long, control characters).
        let scalars = requestID.unicodeScalars
        guard !scalars.isEmpty, scalars.count <= 128,
            !scalars.contains(where: { $0.properties.generalCategory == .control })
        else { return try await next(forward, context) }

        let method = context.descriptor.fullyQualifiedMethod
        let fingerprint = Array(SHA256.hash(data: try message.serializedBytes() as [UInt8]))
        switch try await self.ledger.claimRequest(
            requestID,
            method: method,
            fingerprint: fingerprint,
            staleAfter: self.staleAfter,
            in: scope
        ) {
        case .inProgress:
            throw ServiceError.make(
                .aborted,
                reason: "REQUEST_IN_PROGRESS",
                "a request with this request_id is still running; retry later",
                metadata: ["request_id": requestID]
            )
        case .completed(let firstMethod, let firstFingerprint, let bytes):
            guard firstMethod == method, firstFingerprint == fingerprint else {
                throw FieldViolations.single(
                    "request_id",
                    reason: "REQUEST_ID_REUSED",
                    "was already used for another request; use a new request_id for a new request"
                )
            }
            let output = try outputType.init(serializedBytes: bytes) as! Output  // the method's own output type
            return StreamingServerResponse(single: ServerResponse(message: output))
        case .claimed:
            break
        }
        do {
            let response = try await next(forward, context)
            guard case .success(let contents) = response.accepted else {
                try await self.ledger.releaseRequest(requestID, in: scope)
                return response
            }
            // Unary: the producer writes exactly one message; capture it, store it, then send it.
            let collector = Collector<Output>()
            let trailers = try await contents.producer(RPCWriter(wrapping: collector))
            guard let output = collector.messages.first as? any SwiftProtobuf.Message else {
                try await self.ledger.releaseRequest(requestID, in: scope)
                return response
            }
            try await self.ledger.completeRequest(requestID, response: try output.serializedBytes(), in: scope)
            let first = collector.messages[0]
            return StreamingServerResponse(
                accepted: .success(
                    .init(metadata: contents.metadata) { writer in
                        try await writer.write(first)
                        return trailers
                    }
                )
            )
        } catch {
            do {
                try await self.ledger.releaseRequest(requestID, in: scope)
            } catch let releaseError {
                self.logger.warning(
                    "could not release a request id",
                    metadata: ["request_id": "\(requestID)", "error": "\(releaseError)"]
                )
            }
            throw error
        }
    }
}

/// An `RPCWriter` that keeps what is written.
private final class Collector<Element: Sendable>: RPCWriterProtocol {
    private let storage = Mutex<[Element]>([])

    var messages: [Element] { self.storage.withLock { $0 } }

    func write(_ element: Element) async throws {
        self.storage.withLock { $0.append(element) }
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        let elements = Array(elements)
        self.storage.withLock { $0.append(contentsOf: elements) }
    }
}
