import Foundation

/// An external program the interop tests run: the Python grpcio peers and k6.
struct Peer {
    /// The repository root (tests run from the package directory, but be robust to a different cwd).
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs a program to completion (bounded by `timeout`) and returns its exit status and combined output.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120))
        async throws -> Result
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = Self.repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let reader = Task.detachedReader(pipe)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: await reader.value)
    }

    /// Starts a long-running peer that prints `LISTENING <port>` once it serves; returns it and the port.
    static func start(_ arguments: [String]) async throws -> (Process, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = Self.repositoryRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        // The peer must not hold the test runner's own output open: `swift test` waits for EOF on it.
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        let handle = pipe.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { throw PeerError(message: "\(arguments) exited before listening") }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("LISTENING ") }),
                let port = Int(line.dropFirst("LISTENING ".count))
            {
                return (process, port)
            }
        }
    }
}

extension Peer {
    /// Stops a peer started with `start`: SIGTERM, up to five seconds to exit, then SIGKILL.
    static func stop(_ process: Process) async {
        process.terminate()
        for _ in 0..<250 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

struct PeerError: Error, CustomStringConvertible {
    var message: String
    var description: String { self.message }
}

extension Task where Success == String, Failure == Never {
    /// Reads a pipe to its end off the cooperative pool (a blocking read), bridging back with a task.
    static func detachedReader(_ pipe: Pipe) -> Task<String, Never> {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let thread = Thread {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            continuation.yield(String(decoding: data, as: UTF8.self))
            continuation.finish()
        }
        thread.start()
        return Task {
            for await text in stream { return text }
            return ""
        }
    }
}
