import CLibPQ
import Foundation
import Logging
import ProcessSupport

extension EmbeddedPostgres {
    static let installHint =
        "PostgreSQL 15 server binaries (initdb, pg_ctl, postgres) were not found in /usr/lib/postgresql/15/bin or "
        + "`pg_config --bindir`; run scripts/bootstrap or `apt-get install postgresql-15`, or set DATABASE_URL to use "
        + "an external server"

    private static var runningAsRoot: Bool { geteuid() == 0 }

    /// The directory holding initdb, pg_ctl and postgres.
    func findBinaries() throws -> String {
        var candidates: [String] = []
        if let configured = self.configuration.binDirectory {
            candidates.append(configured)
        } else {
            candidates.append("/usr/lib/postgresql/15/bin")
        }
        let manager = FileManager.default
        func complete(_ directory: String) -> Bool {
            ["initdb", "pg_ctl", "postgres"].allSatisfy { manager.isExecutableFile(atPath: directory + "/" + $0) }
        }
        if let found = candidates.first(where: complete) { return found }
        if self.configuration.binDirectory == nil, let bindir = Self.pgConfigBindir(), complete(bindir) {
            return bindir
        }
        throw PostgresError(code: .embeddedServer, message: Self.installHint)
    }

    private static func pgConfigBindir() -> String? {
        for path in ["/usr/bin/pg_config", "/usr/local/bin/pg_config"]
        where FileManager.default.isExecutableFile(atPath: path) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["--bindir"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return nil }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return nil
    }

    /// Creates the data directory (0700). As root: chowns it to `postgres` and checks that user can reach it.
    func prepareDirectory() throws {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: self.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw PostgresError(
                code: .embeddedServer,
                message: "cannot create the data directory \(self.dataDirectory): \(error)"
            )
        }
        chmod(self.dataDirectory, 0o700)
        guard Self.runningAsRoot else { return }
        guard let user = getpwnam("postgres") else {
            throw PostgresError(
                code: .embeddedServer,
                message: "running as root, but there is no `postgres` system user to run the server as; "
                    + "`apt-get install postgresql-15` creates it"
            )
        }
        let (uid, gid) = (user.pointee.pw_uid, user.pointee.pw_gid)
        guard let enumerator = manager.enumerator(atPath: self.dataDirectory) else { return }
        chown(self.dataDirectory, uid, gid)
        while let relative = enumerator.nextObject() as? String {
            lchown(self.dataDirectory + "/" + relative, uid, gid)
        }
        // The postgres user must be able to traverse every ancestor of the data directory.
        var ancestor = (self.dataDirectory as NSString).deletingLastPathComponent
        while ancestor != "/" && !ancestor.isEmpty {
            var info = stat()
            if stat(ancestor, &info) == 0, info.st_mode & 0o001 == 0, info.st_uid != uid {
                throw PostgresError(
                    code: .embeddedServer,
                    message: "the postgres system user cannot reach \(self.dataDirectory): \(ancestor) is not "
                        + "traversable by others (chmod o+x it, or choose a data directory under /tmp or /var/lib)"
                )
            }
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
    }

    /// Runs a server binary, as the `postgres` user when we are root; a non-zero exit becomes an error with its output.
    func runAsServerUser(_ executable: String, _ arguments: [String], what: String) async throws {
        let outcome: ProcessRunner.Outcome
        if Self.runningAsRoot {
            let runuser = ["/usr/sbin/runuser", "/sbin/runuser"].first {
                FileManager.default.isExecutableFile(atPath: $0)
            }
            guard let runuser else {
                throw PostgresError(code: .embeddedServer, message: "running as root, but runuser(1) was not found")
            }
            outcome = try await Self.run(runuser, ["-u", "postgres", "--", executable] + arguments)
        } else {
            outcome = try await Self.run(executable, arguments)
        }
        guard outcome.status == 0 else {
            var message =
                "\(what) exited with status \(outcome.status): "
                + outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
            if let log = try? String(contentsOfFile: self.dataDirectory + "/server.log", encoding: .utf8) {
                message += "\nserver.log (tail):\n" + log.split(separator: "\n").suffix(10).joined(separator: "\n")
            }
            throw PostgresError(code: .embeddedServer, message: message)
        }
    }

    /// A postmaster.pid from an earlier run: stop its server if it still runs, else delete the stale file.
    func handleStalePidFile(bin: String) async throws {
        let pidFile = self.dataDirectory + "/postmaster.pid"
        guard let contents = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return }
        let pid = contents.split(separator: "\n").first.flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
        if let pid, ProcessRunner.isRunning(pid, named: "postgres") {
            self.logger.info(
                "a postgres server from an earlier run is still running; stopping it",
                metadata: ["pid": "\(pid)"]
            )
            try await self.runAsServerUser(
                bin + "/pg_ctl",
                ["stop", "-D", self.dataDirectory, "-m", "fast", "-w", "-t", "60"],
                what: "pg_ctl stop"
            )
        } else {
            self.logger.info("removing a stale postmaster.pid left by a crashed run")
            try? FileManager.default.removeItem(atPath: pidFile)
        }
    }

    /// Polls until the server answers (pg_ctl -w already waited; this also covers a slow first connection).
    func waitUntilAccepting(_ conninfo: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if PQping(conninfo) == PQPING_OK { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw PostgresError(
            code: .embeddedServer,
            message: "the embedded server did not accept connections within 30 s"
        )
    }

    /// A free port on 127.0.0.1.
    static func freeLoopbackPort() throws -> Int {
        do {
            return try LoopbackPort.free()
        } catch {
            throw PostgresError(code: .embeddedServer, message: error.message)
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) async throws -> ProcessRunner.Outcome {
        do {
            return try await ProcessRunner.run(executable, arguments)
        } catch {
            throw PostgresError(code: .embeddedServer, message: error.message)
        }
    }
}
