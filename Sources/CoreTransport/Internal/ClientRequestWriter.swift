import GRPCCore

/// The outbound half of a client stream, as GRPCCore's executor writes it.
struct ClientRequestWriter: ClosableRPCWriterProtocol {
    typealias Element = RPCRequestPart<[UInt8]>

    let call: ClientCall

    func write(_ element: Element) async throws {
        switch element {
        case .metadata(let metadata):
            // Sent at once so the server can start the handler even before the first message; `grpc-timeout` is
            // dropped by the sanitiser because the deadline already went to the core at call creation.
            self.call.sendInitialMetadata(metadata)
        case .message(let bytes):
            try await self.call.sendMessage(bytes)
        }
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        for element in elements {
            try await self.write(element)
        }
    }

    func finish() async {
        await self.call.sendClose()
    }

    func finish(throwing error: any Error) async {
        self.call.handle.cancel()
    }
}
