import Fieldbus
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension RawSocket {
    func sendRaw(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(self.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// True when the server closed the connection (recv sees end of file or a reset), waiting at most 2 s.
    func closedByPeer() -> Bool {
        var byte: UInt8 = 0
        let got = recv(self.fd, &byte, 1, 0)
        return got == 0 || (got < 0 && errno == ECONNRESET)
    }
}

@Suite("ModbusServer slow clients")
struct SlowClientTests {
    /// A client trickling a long frame (259 bytes, one every 50 ms: 13 s) neither delays another client's answers
    /// nor keeps its connection past the frame deadline. Before the fix each byte restarted libmodbus's byte timeout
    /// on the server's only thread, so the second client's reads (5 s timeout) timed out.
    @Test func aTricklingClientDoesNotHoldTheServer() async throws {
        try await withServer { server, _ in
            let trickler = try RawSocket(port: server.port)
            // FC16 at 0, 123 registers: MBAP length 253, 259 bytes in all.
            let frame: [UInt8] = [0, 1, 0, 0, 0, 253, 1, 16, 0, 0, 0, 123, 246] + [UInt8](repeating: 0, count: 246)
            let fd = trickler.fd
            let trickle = Task {
                for byte in frame {
                    guard !Task.isCancelled else { return }
                    let sent = [byte].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
                    guard sent == 1 else { return }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            try await withClient(server, timeout: .seconds(5)) { client in
                for _ in 0..<3 {
                    let values = try await client.readInputRegisters(address: 100, count: 1)
                    #expect(values == [1100])
                }
            }
            let dropped = trickler.closedByPeer()
            trickle.cancel()
            #expect(dropped, "the trickling connection was not dropped")
        }
    }
}
