import CModbus
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The server's thread: polls the listening socket, a wake-up pipe and every client, and answers one request at a
/// time. The `modbus_t*` and the mapping are only ever touched on this thread (after `init`).
final class ServerLoop: @unchecked Sendable {
    let port: Int
    private let context: OpaquePointer
    private let mapping: UnsafeMutablePointer<modbus_mapping_t>
    private let listenSocket: Int32
    private let wake: (read: Int32, write: Int32)
    private let maxConnections: Int
    private let unit: UInt8?
    /// A frame whose first bytes arrived longer ago than this without the rest drops its connection.
    static let frameDeadline: Duration = .seconds(1)
    static let partialRecheckMilliseconds: Int32 = 20
    /// A reply not accepted by the client's socket within this many seconds drops the connection.
    static let sendTimeoutSeconds = 1
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    // Thread-only state.
    private var clients: [ClientSlot] = []
    private var nextConnection = 1

    init(configuration: ModbusServerConfiguration) throws(ModbusError) {
        guard let context = modbus_new_tcp(configuration.host, Int32(configuration.port)) else {
            throw ModbusError(code: .connection, message: "modbus_new_tcp: \(String(cString: modbus_strerror(errno)))")
        }
        guard let mapping = modbus_mapping_new_start_address(0, 0, 0, 0, 0, 0x1_0000, 0, 0x1_0000) else {
            modbus_free(context)
            throw ModbusError(code: .connection, message: "modbus_mapping_new: out of memory")
        }
        let listenSocket = modbus_tcp_listen(context, Int32(configuration.maxConnections))
        guard listenSocket >= 0 else {
            let reason = String(cString: modbus_strerror(errno))
            modbus_mapping_free(mapping)
            modbus_free(context)
            throw ModbusError(
                code: .connection,
                message: "listen on \(configuration.host):\(configuration.port): \(reason)"
            )
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            close(listenSocket)
            modbus_mapping_free(mapping)
            modbus_free(context)
            throw ModbusError(code: .connection, message: "pipe: \(String(cString: strerror(errno)))")
        }
        self.context = context
        self.mapping = mapping
        self.listenSocket = listenSocket
        self.wake = (fds[0], fds[1])
        self.maxConnections = configuration.maxConnections
        self.unit = configuration.unit.map { UInt8($0) }
        self.port = Self.boundPort(listenSocket)
    }

    private static func boundPort(_ socket: Int32) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func start(server: ModbusServer) {
        let thread = Thread { [self] in
            self.run(server: server)
            self.cleanUp()
            let waiters = self.finished.withLock { state in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
        thread.name = "modbus-server"
        thread.start()
    }

    func stop() async {
        var byte: UInt8 = 1
        _ = write(self.wake.write, &byte, 1)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = self.finished.withLock { state in
                if !state.done { state.waiters.append(continuation) }
                return state.done
            }
            if done { continuation.resume() }
        }
    }

    private func run(server: ModbusServer) {
        var query = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))
        while true {
            var fds = [
                pollfd(fd: self.listenSocket, events: Int16(POLLIN), revents: 0),
                pollfd(fd: self.wake.read, events: Int16(POLLIN), revents: 0),
            ]
            // A client with part of a frame is not polled for input (its bytes stay readable): it is peeked again
            // every `partialRecheckMilliseconds` until the frame is whole or its deadline passes.
            fds += self.clients.map {
                pollfd(fd: $0.socket, events: $0.partialSince == nil ? Int16(POLLIN) : 0, revents: 0)
            }
            let waitingForPartial = self.clients.contains { $0.partialSince != nil }
            let ready = poll(&fds, nfds_t(fds.count), waitingForPartial ? Self.partialRecheckMilliseconds : -1)
            if ready < 0 {
                if errno == EINTR { continue }
                server.logger.error("modbus server poll failed", metadata: ["errno": "\(errno)"])
                return
            }
            if fds[1].revents != 0 { return }
            // The clients the poll was for; a client accepted now is polled from the next round.
            let polled = self.clients
            if fds[0].revents & Int16(POLLIN) != 0 { self.accept(server: server) }
            for (index, client) in polled.enumerated()
            where fds[index + 2].revents != 0 || client.partialSince != nil {
                self.service(client, query: &query, server: server)
            }
        }
    }

    /// Receives and answers a frame only once it is whole in the socket's buffer, so `modbus_receive` never waits
    /// on a slow client; a frame still partial `frameDeadline` after its first bytes drops the connection.
    private func service(_ client: ClientSlot, query: inout [UInt8], server: ModbusServer) {
        switch BufferedFrame.peek(client.socket) {
        case .closed, .malformed:
            self.drop(client.socket)
        case .empty:
            self.markPartial(client.socket, since: nil)
        case .partial:
            guard let since = client.partialSince else {
                self.markPartial(client.socket, since: .now)
                return
            }
            if ContinuousClock.now - since > Self.frameDeadline {
                server.logger.info(
                    "modbus connection dropped: frame incomplete",
                    metadata: ["connection": "\(client.connection)", "deadline": "\(Self.frameDeadline)"]
                )
                self.drop(client.socket)
            }
        case .complete:
            self.markPartial(client.socket, since: nil)
            modbus_set_socket(self.context, client.socket)
            let length = modbus_receive(self.context, &query)
            if length < 0 {
                self.drop(client.socket)
            } else if length > 0 {
                let frame = RequestFrame(bytes: query[0..<Int(length)], connection: client.connection)
                if !self.answer(frame, socket: client.socket, server: server) { self.drop(client.socket) }
            }
        }
    }

    private func markPartial(_ socket: Int32, since: ContinuousClock.Instant?) {
        guard let index = self.clients.firstIndex(where: { $0.socket == socket }) else { return }
        self.clients[index].partialSince = since
    }

    private func accept(server: ModbusServer) {
        let socket = Glibc.accept(self.listenSocket, nil, nil)
        guard socket >= 0 else { return }
        // A client that does not read its replies fails the send after this long and is dropped.
        var sendTimeout = timeval(tv_sec: Self.sendTimeoutSeconds, tv_usec: 0)
        _ = setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        if self.clients.count >= self.maxConnections {
            close(socket)
            server.logger.info(
                "modbus connection refused: too many clients",
                metadata: ["max": "\(self.maxConnections)"]
            )
            return
        }
        self.clients.append(ClientSlot(socket: socket, connection: self.nextConnection))
        self.nextConnection += 1
    }

    private func drop(_ socket: Int32) {
        close(socket)
        self.clients.removeAll { $0.socket == socket }
    }

    /// Answers one request; false when the reply could not be sent (the client is gone or not reading).
    private func answer(_ frame: RequestFrame, socket: Int32, server: ModbusServer) -> Bool {
        guard frame.protocolID == 0, self.unit.map({ $0 == frame.unit }) ?? true else { return true }
        let request: ModbusRequest
        switch frame.decode() {
        case .refused(let code):
            // A locked-up dongle ignores everything, malformed requests too.
            return server.isLockedUp(at: .now) ? true : self.replyException(frame, code)
        case .request(let decoded):
            request = decoded
        }
        switch server.disposition(for: request, at: .now) {
        case .noReply:
            return true
        case .junkReply:
            let junk = frame.junkReply(for: request)
            return junk.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == junk.count
        case .exception(let code):
            return self.replyException(frame, code)
        case .serve:
            return self.serve(request, frame: frame, server: server)
        }
    }

    private func serve(_ request: ModbusRequest, frame: RequestFrame, server: ModbusServer) -> Bool {
        let kind = request.function.kind
        guard server.datastore.contains(kind, request.addresses) else {
            return self.replyException(frame, .illegalDataAddress)
        }
        if request.function.isWrite {
            if let refusal = server.hooks.validateWrite(request) {
                return self.replyException(frame, refusal)
            }
            try? server.datastore.set(.holding, address: request.address, values: request.values)
            // The hooks see the write before the client sees the reply: an acknowledged write is already applied.
            server.hooks.didWrite(request)
            return self.reply(frame)
        }
        guard let values = try? server.datastore.read(kind, address: request.address, count: request.count) else {
            return self.replyException(frame, .illegalDataAddress)
        }
        let table = kind == .input ? self.mapping.pointee.tab_input_registers : self.mapping.pointee.tab_registers
        for (offset, value) in values.enumerated() { table?[Int(request.address) + offset] = value }
        return self.reply(frame)
    }

    private func reply(_ frame: RequestFrame) -> Bool {
        frame.bytes.withUnsafeBufferPointer {
            modbus_reply(self.context, $0.baseAddress, Int32($0.count), self.mapping)
        } >= 0
    }

    private func replyException(_ frame: RequestFrame, _ code: ModbusExceptionCode) -> Bool {
        frame.bytes.withUnsafeBufferPointer {
            modbus_reply_exception(self.context, $0.baseAddress, UInt32(code.rawValue))
        } >= 0
    }

    private func cleanUp() {
        for client in self.clients { close(client.socket) }
        self.clients = []
        close(self.listenSocket)
        close(self.wake.read)
        close(self.wake.write)
        modbus_mapping_free(self.mapping)
        modbus_free(self.context)
    }
}
