import Foundation

/// Runs helper programs (the embedded servers' binaries) with posix_spawn, waiting on a thread of its own with a
/// blocking waitpid. Not Foundation's Process: it did not notice the exit of `runuser ... pg_ctl start` (whose
/// daemon outlives it) and left it a zombie, hanging the caller.
public enum ProcessRunner {
    public struct Outcome: Sendable {
        public var status: Int32
        public var output: String
    }

    /// Runs a program to completion, capturing its combined output.
    public static func run(_ executable: String, _ arguments: [String]) async throws(ProcessError) -> Outcome {
        // Output goes to a file, not a pipe: `pg_ctl start` leaves a daemon behind that may inherit the descriptor,
        // so a pipe might never reach EOF.
        let outputPath = NSTemporaryDirectory() + "harvestry-process-\(UUID().uuidString).out"
        defer { unlink(outputPath) }
        let pid = try self.spawn(executable, arguments, outputPath: outputPath)
        let status = await self.waitForExit(pid)
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return Outcome(status: status, output: String(decoding: data, as: UTF8.self))
    }

    /// Starts a program with stdin from /dev/null and stdout and stderr appended to `outputPath`; returns its pid.
    /// The caller must `waitForExit` it (or it stays a zombie).
    public static func spawn(
        _ executable: String,
        _ arguments: [String],
        outputPath: String
    ) throws(ProcessError) -> pid_t {
        let fd = open(outputPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ProcessError("cannot create \(outputPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, 1)
        posix_spawn_file_actions_adddup2(&actions, fd, 2)
        // The child starts with no blocked signals and default handlers: the spawning thread may be a Dispatch
        // worker, which blocks signals, and a server that inherits a blocked SIGTERM cannot be stopped with it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw ProcessError("could not run \(executable): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Waits (on a thread of its own) for a child to exit; its exit status, or 128 + the signal that ended it.
    public static func waitForExit(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let thread = Thread { continuation.resume(returning: self.waitBlocking(pid)) }
            thread.name = "process-wait"
            thread.start()
        }
    }

    private static func waitBlocking(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        // WIFEXITED / WEXITSTATUS by hand: the macros are not imported.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// For a child of this process: its exit status (reaping it) if it has exited, nil while it runs. Unlike
    /// `isRunning` this does not read /proc, whose command name lags behind a fresh exec.
    public static func exitStatusIfExited(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == 0 { return nil }
        if result < 0 { return errno == EINTR ? nil : -1 }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Whether `pid` is alive (not a zombie) and its command name starts with `name`: a pid file's process may have
    /// died and its number been reused.
    public static func isRunning(_ pid: pid_t, named name: String) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM,
            let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8), comm.hasPrefix(name)
        else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // The state follows the parenthesised command name: "Z" is a zombie nobody has reaped.
        guard let close = stat.lastIndex(of: ")") else { return true }
        return !stat[close...].dropFirst().trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
