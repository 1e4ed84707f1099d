import GRPCCore

/// The inbound half of a client stream: response metadata, messages as the consumer asks, then the status.
///
/// When the response metadata cannot be received at all (connection refused, deadline before the server answered),
/// the stream is reported as trailers-only: just the status, which is how GRPCCore tells a rejected RPC. Otherwise the
/// metadata is delivered the moment it arrives, because GRPCCore waits for it before running the response handler
/// and a bidirectional client may not send more until that handler runs.
struct ClientResponseStream: AsyncSequence, Sendable {
    typealias Element = RPCResponsePart<[UInt8]>

    let call: ClientCall

    func makeAsyncIterator() -> Iterator {
        Iterator(call: self.call)
    }

    struct Iterator: AsyncIteratorProtocol {
        private enum Phase {
            case start
            case messages
            case finished
        }

        let call: ClientCall
        private var phase = Phase.start

        init(call: ClientCall) {
            self.call = call
        }

        mutating func next() async throws -> Element? {
            switch self.phase {
            case .start:
                self.call.startReceivingResponse()
                let call = self.call
                let metadata = await self.cancellingCall { await call.responseMetadata.value }
                guard let metadata else { return await self.finish() }
                self.phase = .messages
                return .metadata(metadata)

            case .messages:
                if case .message(let bytes) = await self.call.reader.next() {
                    return .message(bytes)
                }
                return await self.finish()

            case .finished:
                return nil
            }
        }

        private mutating func finish() async -> Element {
            self.phase = .finished
            let call = self.call
            let outcome = await self.cancellingCall { await call.status.value }
            return .status(outcome.status, outcome.trailers)
        }

        private func cancellingCall<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
            await withTaskCancellationHandler(operation: body, onCancel: { [call] in call.handle.cancel() })
        }
    }
}
