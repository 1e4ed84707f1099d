import Foundation

/// A free TCP port on 127.0.0.1 for an embedded server.
public enum LoopbackPort {
    /// A port on 127.0.0.1 that nothing is bound to, chosen at random below the kernel's ephemeral range.
    ///
    /// Below that range, because an embedded server restarts on the port it had: a port from the ephemeral range
    /// can meanwhile become the source port of any outgoing connection on the machine ("Address already in use"
    /// on the restart). Falls back to a kernel-chosen port if no candidate binds.
    public static func free() throws(ProcessError) -> Int {
        let ceiling = Self.ephemeralRangeStart()
        let floor = 10_000
        if ceiling - floor > 1_000 {
            for _ in 0..<100 {
                let candidate = Int.random(in: floor..<ceiling)
                if (try? Self.bind(candidate)) != nil { return candidate }
            }
        }
        return try Self.bind(0)
    }

    /// The first port of `net.ipv4.ip_local_port_range` (32768 if it cannot be read).
    static func ephemeralRangeStart() -> Int {
        let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
        let first = text?.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first
        return first.flatMap { Int($0) } ?? 32_768
    }

    /// Binds 127.0.0.1:`port` (0: the kernel chooses), releases it, and returns the port that was bound.
    private static func bind(_ port: Int) throws(ProcessError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProcessError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                Glibc.bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw ProcessError("no free loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                connect(fd, raw, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
