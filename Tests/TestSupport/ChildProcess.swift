import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program a test runs (the harvestry binary, python peers, schemathesis, k6) that never blocks a thread of Swift's
/// cooperative pool: its output goes to a temporary file that is read when asked, and its exit is polled with
/// `Task.sleep`. Blocking pipe reads and `waitUntilExit` calls in tests used to hold the pool's two threads (on a
/// 2-core machine) while a server started, which stalled every in-process server of the test run for seconds and
/// made unrelated tests time out.
public final class ChildProcess: Sendable {
    /// Which of the program's streams go to the output file (the other goes to /dev/null).
    public enum Capture: Sendable {
        case both, standardOutput, standardError
    }

    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        /// The program ran past its time limit and was terminated.
        public var timedOut: Bool
    }

    public let process: Process
    private let outputURL: URL

    /// Starts `executable` with `arguments`; `environment` is added to this process's (a nil value removes a
    /// variable); stdin is /dev/null.
    public init(
        _ executable: URL,
        _ arguments: [String],
        environment: [String: String?] = [:],
        workingDirectory: URL? = nil,
        capture: Capture = .both
    ) throws {
        self.outputURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("harvestry-child-\(getpid())-\(UUID().uuidString.prefix(8)).log")
        FileManager.default.createFile(atPath: self.outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: self.outputURL)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (name, value) in environment { merged[name] = value }
        process.environment = merged
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = capture == .standardError ? FileHandle.nullDevice : output
        process.standardError = capture == .standardOutput ? FileHandle.nullDevice : output
        try process.run()
        self.process = process
    }

    /// A program found on PATH (through /usr/bin/env).
    public convenience init(
        command arguments: [String],
        environment: [String: String?] = [:],
        workingDirectory: URL? = nil,
        capture: Capture = .both
    ) throws {
        try self.init(
            URL(fileURLWithPath: "/usr/bin/env"),
            arguments,
            environment: environment,
            workingDirectory: workingDirectory,
            capture: capture
        )
    }

    deinit {
        if self.process.isRunning { kill(self.process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: self.outputURL)
    }

    /// What it has printed so far.
    public var output: String {
        (try? String(contentsOf: self.outputURL, encoding: .utf8)) ?? ""
    }

    public var isRunning: Bool { self.process.isRunning }
    public var processIdentifier: Int32 { self.process.processIdentifier }

    /// Waits until every marker has appeared in the output, the program exits or `timeout` passes; returns the
    /// output then (the caller checks for the markers).
    @discardableResult
    public func waitForOutput(containing markers: [String], timeout: Duration = .seconds(60)) async -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let text = self.output
            if markers.allSatisfy({ text.contains($0) }) || !self.isRunning || ContinuousClock.now >= deadline {
                return self.output
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits at most `timeout` for the exit; its status, or nil while it still runs.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while self.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard !self.isRunning else { return nil }
        self.process.waitUntilExit()  // already exited: returns at once, and makes the status readable
        return self.process.terminationStatus
    }

    /// SIGTERM, up to `grace` to exit, then SIGKILL; returns the exit status.
    @discardableResult
    public func stop(grace: Duration = .seconds(5)) async -> Int32 {
        if self.isRunning { self.process.terminate() }
        if let status = await self.waitForExit(timeout: grace) { return status }
        kill(self.process.processIdentifier, SIGKILL)
        return await self.waitForExit(timeout: .seconds(30)) ?? -1
    }

    /// Runs to completion (terminated after `timeout`).
    public func result(timeout: Duration) async -> Result {
        if let status = await self.waitForExit(timeout: timeout) {
            return Result(status: status, output: self.output, timedOut: false)
        }
        let status = await self.stop()
        return Result(status: status, output: self.output, timedOut: true)
    }

    /// Runs `arguments` (a program on PATH) to completion.
    public static func run(
        _ arguments: [String],
        environment: [String: String?] = [:],
        workingDirectory: URL? = nil,
        capture: Capture = .both,
        timeout: Duration
    ) async throws -> Result {
        try await ChildProcess(
            command: arguments,
            environment: environment,
            workingDirectory: workingDirectory,
            capture: capture
        ).result(timeout: timeout)
    }
}
