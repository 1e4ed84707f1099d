import Foundation

/// A program a test runs to completion (python3, schemathesis), its output collected in a temporary file so a
/// chatty program never blocks on a full pipe.
enum ExternalProgram {
    /// The repository root, for scripts/.
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }()

    struct Result: Sendable {
        var status: Int32
        var output: String
    }

    /// Runs `arguments` (through /usr/bin/env) in a temporary directory; terminates it after `timeout`.
    static func run(_ arguments: [String], timeout: Duration) async throws -> Result {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("harvestry-program-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log")
        FileManager.default.createFile(atPath: outputPath.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputPath) }
        let output = try FileHandle(forWritingTo: outputPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["NO_COLOR": "1"]) { $1 }
        // schemathesis keeps a cache in its working directory: not in the repository.
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline { process.terminate() }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.waitUntilExit()
        try output.close()
        let text = (try? String(contentsOf: outputPath, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, output: text)
    }
}
