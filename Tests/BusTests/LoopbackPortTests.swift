import Foundation
import ProcessSupport
import Testing

@Suite("Loopback ports for embedded servers")
struct LoopbackPortTests {
    @Test("a free port lies below the kernel's ephemeral range (so no outgoing connection takes it) and is unbound")
    func belowEphemeralRange() throws {
        let range = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
        let ephemeralStart = try #require(range.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) })
        for _ in 0..<20 {
            let port = try LoopbackPort.free()
            #expect(port >= 10_000 && port < ephemeralStart, "port \(port)")
            #expect(!LoopbackPort.accepts(port), "something listens on \(port)")
        }
    }
}
