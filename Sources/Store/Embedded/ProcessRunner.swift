import Foundation

/// Runs a program to completion on a thread of its own (posix_spawn + a blocking waitpid), capturing its combined
/// output. Not Foundation's Process: it did not notice the exit of `runuser ... pg_ctl start` (whose daemon outlives
/// it) and left it a zombie, hanging the caller.
enum ProcessRunner {
    struct Outcome: Sendable {
        var status: Int32
        var output: String
    }

    static func run(_ executable: String, _ arguments: [String]) async throws -> Outcome {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Outcome, any Error>) in
            let thread = Thread { continuation.resume(with: Result { try self.runBlocking(executable, arguments) }) }
            thread.name = "pg-process"
            thread.start()
        }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String]) throws -> Outcome {
        // Output goes to a file, not a pipe: `pg_ctl start` leaves a daemon behind that may inherit the descriptor,
        // so a pipe might never reach EOF.
        let outputPath = NSTemporaryDirectory() + "harvestry-pg-\(UUID().uuidString).out"
        defer { unlink(outputPath) }
        let fd = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw PostgresError(code: .embeddedServer, message: "cannot create \(outputPath): errno \(errno)")
        }
        defer { close(fd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, 1)
        posix_spawn_file_actions_adddup2(&actions, fd, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard rc == 0 else {
            throw PostgresError(
                code: .embeddedServer,
                message: "could not run \(executable): \(String(cString: strerror(rc)))"
            )
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw PostgresError(code: .embeddedServer, message: "waitpid for \(executable) failed: errno \(errno)")
            }
        }
        // WIFEXITED / WEXITSTATUS by hand: the macros are not imported.
        let exitStatus: Int32 = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return Outcome(status: exitStatus, output: String(decoding: data, as: UTF8.self))
    }
}
