import GRPCCore

/// The inbound half of a server stream: the request metadata, then each message as the consumer asks for it.
struct ServerRequestStream: AsyncSequence, Sendable {
    typealias Element = RPCRequestPart<[UInt8]>

    let call: ServerCall

    func makeAsyncIterator() -> Iterator {
        Iterator(call: self.call)
    }

    struct Iterator: AsyncIteratorProtocol {
        let call: ServerCall
        var sentMetadata = false
        var done = false

        mutating func next() async throws -> Element? {
            if !self.sentMetadata {
                self.sentMetadata = true
                return .metadata(self.call.requestMetadata)
            }
            guard !self.done else { return nil }
            switch await self.call.reader.next() {
            case .message(let bytes):
                return .message(bytes)
            case .end:
                self.done = true
                return nil
            case .failed:
                self.done = true
                throw RPCError(code: .cancelled, message: "The request stream ended abnormally: the RPC was cancelled.")
            }
        }
    }
}
