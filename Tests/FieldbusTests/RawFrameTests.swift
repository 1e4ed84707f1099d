import Fieldbus
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plain TCP socket to the server, to send frames the libmodbus client would never build. Reads wait at most 2 s.
struct RawSocket: ~Copyable {
    let fd: Int32

    init(port: Int) throws {
        self.fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(self.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(self.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 {
            close(self.fd)
            throw ModbusError(code: .connection, message: "connect: errno \(errno)")
        }
    }

    deinit { close(self.fd) }

    /// Sends `pdu` in an MBAP frame (transaction 0x1234, unit 1) and returns the reply's PDU.
    func exchange(_ pdu: [UInt8]) -> [UInt8] {
        let length = UInt16(pdu.count + 1)
        let frame: [UInt8] = [0x12, 0x34, 0, 0, UInt8(length >> 8), UInt8(length & 0xFF), 1] + pdu
        _ = frame.withUnsafeBytes { send(self.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var reply = [UInt8](repeating: 0, count: 300)
        let received = recv(self.fd, &reply, reply.count, 0)
        guard received >= 7, reply[0] == 0x12, reply[1] == 0x34 else { return [] }
        return Array(reply[7..<received])
    }
}

@Suite("Raw frames")
struct RawFrameTests {
    @Test(arguments: [
        ([UInt8]([0x01, 0x00, 0x00, 0x00, 0x01]), [UInt8]([0x81, 0x01])),  // read coils: not served
        ([0x03, 0x00, 0x00, 0x00, 0x7E], [0x83, 0x03]),  // 126 registers
        ([0x04, 0x00, 0x64, 0x00, 0x00], [0x84, 0x03]),  // 0 registers
        ([0x04, 0xFF, 0xFF, 0x00, 0x02], [0x84, 0x03]),  // past register 65535
        ([0x10, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x01], [0x90, 0x03]),  // byte count 2 for 2 registers
        ([0x04, 0x00, 0x64, 0x00, 0x01], [0x04, 0x02, 0x04, 0x4C]),  // a good read: 1100
    ])
    func malformedRequestsGetTheExceptionAWellBehavedDeviceSends(request: [UInt8], reply: [UInt8]) async throws {
        try await withServer { server, hooks in
            let socket = try RawSocket(port: server.port)
            #expect(socket.exchange(request) == reply)
            #expect(hooks.writes.withLock { $0.isEmpty })
        }
    }
}
