import GRPCCore

/// The outbound half of a server stream, as GRPCCore's executor writes it.
struct ServerResponseWriter: ClosableRPCWriterProtocol {
    typealias Element = RPCResponsePart<[UInt8]>

    let call: ServerCall

    func write(_ element: Element) async throws {
        switch element {
        case .metadata(let metadata):
            try self.call.sendInitialMetadata(metadata)
        case .message(let bytes):
            try await self.call.sendMessage(bytes)
        case .status(let status, let trailers):
            self.call.sendStatus(status, trailers: trailers)
        }
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        for element in elements {
            try await self.write(element)
        }
    }

    func finish() async {
        self.call.sendStatus(
            Status(code: .internalError, message: "The server closed the stream without a status."),
            trailers: [:]
        )
    }

    func finish(throwing error: any Error) async {
        let rpcError = (error as? RPCError) ?? RPCError(code: .unknown, message: "\(error)")
        self.call.sendStatus(Status(code: Status.Code(rpcError.code), message: rpcError.message), trailers: rpcError.metadata)
    }
}
