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
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    // Thread-only state.
    private var clients: [(socket: Int32, connection: Int)] = []
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
            fds += self.clients.map { pollfd(fd: $0.socket, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                server.logger.error("modbus server poll failed", metadata: ["errno": "\(errno)"])
                return
            }
            if fds[1].revents != 0 { return }
            // The clients the poll was for; a client accepted now is polled from the next round.
            let polled = self.clients
            if fds[0].revents & Int16(POLLIN) != 0 { self.accept(server: server) }
            for (index, client) in polled.enumerated() where fds[index + 2].revents != 0 {
                modbus_set_socket(self.context, client.socket)
                let length = modbus_receive(self.context, &query)
                if length < 0 {
                    self.drop(client.socket)
                } else if length > 0 {
                    let frame = RequestFrame(bytes: query[0..<Int(length)], connection: client.connection)
                    self.answer(frame, socket: client.socket, server: server)
                }
            }
        }
    }

    private func accept(server: ModbusServer) {
        let socket = Glibc.accept(self.listenSocket, nil, nil)
        guard socket >= 0 else { return }
        if self.clients.count >= self.maxConnections {
            close(socket)
            server.logger.info(
                "modbus connection refused: too many clients",
                metadata: ["max": "\(self.maxConnections)"]
            )
            return
        }
        self.clients.append((socket, self.nextConnection))
        self.nextConnection += 1
    }

    private func drop(_ socket: Int32) {
        close(socket)
        self.clients.removeAll { $0.socket == socket }
    }

    private func answer(_ frame: RequestFrame, socket: Int32, server: ModbusServer) {
        let request: ModbusRequest
        switch frame.decode() {
        case .refused(let code):
            self.replyException(frame, code)
            return
        case .request(let decoded):
            request = decoded
        }
        switch server.disposition(for: request, at: .now) {
        case .noReply:
            return
        case .junkReply:
            let junk = frame.junkReply(for: request)
            _ = junk.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        case .exception(let code):
            self.replyException(frame, code)
        case .serve:
            self.serve(request, frame: frame, server: server)
        }
    }

    private func serve(_ request: ModbusRequest, frame: RequestFrame, server: ModbusServer) {
        let kind = request.function.kind
        guard server.datastore.contains(kind, request.addresses) else {
            self.replyException(frame, .illegalDataAddress)
            return
        }
        if request.function.isWrite {
            if let refusal = server.hooks.validateWrite(request) {
                self.replyException(frame, refusal)
                return
            }
            try? server.datastore.set(.holding, address: request.address, values: request.values)
            self.reply(frame)
            server.hooks.didWrite(request)
            return
        }
        guard let values = try? server.datastore.read(kind, address: request.address, count: request.count) else {
            self.replyException(frame, .illegalDataAddress)
            return
        }
        let table = kind == .input ? self.mapping.pointee.tab_input_registers : self.mapping.pointee.tab_registers
        for (offset, value) in values.enumerated() { table?[Int(request.address) + offset] = value }
        self.reply(frame)
    }

    private func reply(_ frame: RequestFrame) {
        _ = frame.bytes.withUnsafeBufferPointer {
            modbus_reply(self.context, $0.baseAddress, Int32($0.count), self.mapping)
        }
    }

    private func replyException(_ frame: RequestFrame, _ code: ModbusExceptionCode) {
        _ = frame.bytes.withUnsafeBufferPointer {
            modbus_reply_exception(self.context, $0.baseAddress, UInt32(code.rawValue))
        }
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
