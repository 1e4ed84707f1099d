import Foundation
import TestSupport

/// An external program the interop tests run: the Python grpcio peers and k6, from the repository root.
enum Peer {
    /// The repository root (tests run from the package directory, but be robust to a different cwd).
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// Runs a program to completion (bounded by `timeout`); its exit status and combined output.
    static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(120)
    ) async throws -> ChildProcess.Result {
        try await ChildProcess.run(
            arguments,
            environment: environment,
            workingDirectory: Self.repositoryRoot,
            timeout: timeout
        )
    }

    /// Starts a long-running peer that prints `LISTENING <port>` once it serves (within 60 s); returns it and the
    /// port. Its stderr is not kept.
    static func start(_ arguments: [String]) async throws -> (ChildProcess, Int) {
        let peer = try ChildProcess(
            command: arguments,
            workingDirectory: Self.repositoryRoot,
            capture: .standardOutput
        )
        var text = ""
        var port: Int?
        let deadline = ContinuousClock.now + .seconds(60)
        while port == nil, peer.isRunning, ContinuousClock.now < deadline {
            text = await peer.waitForOutput(containing: ["LISTENING "], timeout: .seconds(1))
            // Only whole lines: the number may still be on its way.
            let line = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                .first { $0.hasPrefix("LISTENING ") }
            port = line.flatMap { Int($0.dropFirst("LISTENING ".count)) }
        }
        guard let port else {
            await peer.stop()
            throw PeerError(message: "\(arguments) did not print LISTENING <port>: \(text.suffix(2000))")
        }
        return (peer, port)
    }
}

struct PeerError: Error, CustomStringConvertible {
    var message: String
    var description: String { self.message }
}
