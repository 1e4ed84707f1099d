import Foundation
import TestSupport

/// A program a test runs to completion (python3, schemathesis), in a temporary directory (schemathesis keeps a
/// cache in its working directory: not in the repository), without colours.
enum ExternalProgram {
    /// The repository root, for scripts/.
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }()

    /// Runs `arguments` (a program on PATH); terminates it after `timeout`.
    static func run(_ arguments: [String], timeout: Duration) async throws -> ChildProcess.Result {
        try await ChildProcess.run(
            arguments,
            environment: ["NO_COLOR": "1"],
            workingDirectory: FileManager.default.temporaryDirectory,
            timeout: timeout
        )
    }
}
