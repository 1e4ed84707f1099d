import GRPCCore
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the benchmark runner expects of every echo server: `--port N` (0: any free port), `LISTENING <port>` on
/// stdout once calls are accepted, and a clean stop on SIGTERM (or SIGINT).
public enum EchoServerMain {
    /// The port from `--port N`; exits with status 2 on anything else.
    public static func port(from arguments: [String] = CommandLine.arguments) -> Int {
        let rest = Array(arguments.dropFirst())
        guard rest.count == 2, rest[0] == "--port", let port = Int(rest[1]), (0...65_535).contains(port) else {
            Self.fail("usage: \(arguments.first ?? "server") --port N")
        }
        return port
    }

    /// Serves until SIGTERM or SIGINT, printing `LISTENING <port>` once `listeningPort` returns.
    public static func serve<Transport: ServerTransport>(
        _ server: GRPCServer<Transport>,
        listeningPort: @escaping @Sendable () async throws -> Int
    ) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                    server.beginGracefulShutdown()
                    return
                }
            }
            Self.writeLine("LISTENING \(try await listeningPort())")
        }
    }

    /// Cores this process may run on (its affinity mask, e.g. 1 under `taskset -c 0`), for sizing thread pools.
    ///
    /// Read from `Cpus_allowed` in /proc/self/status: Glibc's module map does not export `sched_getaffinity`.
    public static var allowedCores: Int {
        if let file = fopen("/proc/self/status", "r") {
            defer { fclose(file) }
            var line: UnsafeMutablePointer<CChar>?
            var capacity = 0
            defer { free(line) }
            while getline(&line, &capacity, file) > 0, let line {
                let text = String(cString: line)
                guard text.hasPrefix("Cpus_allowed:") else { continue }
                let count = text.dropFirst("Cpus_allowed:".count).reduce(0) { count, character in
                    count + (character.hexDigitValue?.nonzeroBitCount ?? 0)
                }
                if count > 0 { return count }
            }
        }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Writes a line to stdout at once (stdout is a file or pipe under the runner, so buffered otherwise).
    public static func writeLine(_ line: String) {
        var bytes = Array("\(line)\n".utf8)
        bytes.withUnsafeMutableBytes { _ = write(1, $0.baseAddress, $0.count) }
    }

    private static func fail(_ message: String) -> Never {
        var bytes = Array("\(message)\n".utf8)
        bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
        exit(2)
    }
}
