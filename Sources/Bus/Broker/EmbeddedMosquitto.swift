import Foundation
import Logging
import ProcessSupport
import ServiceLifecycle

/// A private Mosquitto broker for development, tests and `harvestry serve` without MQTT_URL: a generated config
/// (one listener on 127.0.0.1, anonymous clients, persistence in the data directory so QoS 1 messages queued for
/// persistent sessions survive a restart), `mosquitto -c` as a child process, SIGTERM on stop.
///
/// As root the broker would drop privileges to the `mosquitto` user, which may not be able to write the data
/// directory; the config says `user root` then (it listens on loopback only). A `mosquitto.pid` left by a crashed
/// run is handled: a broker still running on it is stopped, a stale file removed.
public actor EmbeddedMosquitto {
    public struct Configuration: Sendable, Hashable {
        /// Holds the config, the persistence file, the log and the pid file; default `./.harvestry/mosquitto`.
        public var dataDirectory: String
        /// The listener port; nil picks a free one on the first start (a restart keeps it).
        public var port: Int?
        /// The mosquitto binary; nil searches /usr/sbin, /usr/bin, /usr/local/sbin, /usr/local/bin.
        public var binaryPath: String?

        public init(dataDirectory: String = ".harvestry/mosquitto", port: Int? = nil, binaryPath: String? = nil) {
            self.dataDirectory = dataDirectory
            self.port = port
            self.binaryPath = binaryPath
        }
    }

    static let installHint =
        "run scripts/bootstrap or `apt-get install mosquitto`, or set MQTT_URL to use an external broker"

    public nonisolated let configuration: Configuration
    let dataDirectory: String
    let logger: Logger
    private var assignedPort: Int?
    private var pid: pid_t?

    public init(configuration: Configuration = .init(), logger: Logger = Logger(label: "harvestry.mosquitto")) {
        self.configuration = configuration
        self.logger = logger
        self.dataDirectory = absolutePath(configuration.dataDirectory)
        self.assignedPort = configuration.port
    }

    /// The broker's port while running (and the port a restart will use after it ran once).
    public var port: Int? { self.assignedPort }

    /// `mqtt://127.0.0.1:{port}` of the running broker.
    public var url: String {
        get throws(BusError) {
            guard self.pid != nil, let port = self.assignedPort else {
                throw BusError(code: .embeddedBroker, message: "the embedded broker is not running")
            }
            return "mqtt://127.0.0.1:\(port)"
        }
    }

    /// Starts the broker and waits until it accepts connections; returns its URL. Does nothing when running.
    @discardableResult
    public func start() async throws(BusError) -> String {
        if self.pid != nil { return try self.url }
        let binary = try self.findBinary()
        try self.prepareDirectory()
        await self.stopAbandonedBroker()
        let port: Int
        if let assigned = self.assignedPort {
            port = assigned
        } else {
            port = try Self.wrap { () throws(ProcessError) in try LoopbackPort.free() }
        }
        try self.writeConfig(port: port)
        let pid = try Self.wrap { () throws(ProcessError) in
            try ProcessRunner.spawn(binary, ["-c", self.configPath], outputPath: self.logPath)
        }
        self.pid = pid
        self.assignedPort = port
        try? "\(pid)\n".write(toFile: self.pidPath, atomically: true, encoding: .utf8)
        do {
            try await self.waitUntilAccepting(pid: pid, port: port)
        } catch {
            await self.stop()
            throw error
        }
        self.logger.info(
            "embedded mosquitto is running",
            metadata: ["port": "\(port)", "data_dir": "\(self.dataDirectory)"]
        )
        return "mqtt://127.0.0.1:\(port)"
    }

    /// Stops the broker (SIGTERM: it saves its persistence file and exits; SIGKILL after 10 s). Safe when stopped.
    public func stop() async {
        guard let pid = self.pid else { return }
        self.pid = nil
        if let status = ProcessRunner.exitStatusIfExited(pid) {
            try? FileManager.default.removeItem(atPath: self.pidPath)
            self.logger.info("embedded mosquitto had exited", metadata: ["exit_status": "\(status)"])
            return
        }
        kill(pid, SIGTERM)
        let status = await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await ProcessRunner.waitForExit(pid) }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                if !Task.isCancelled { kill(pid, SIGKILL) }
                return nil
            }
            var status: Int32 = -1
            while let next = await group.next() {
                if let next {
                    status = next
                    group.cancelAll()
                }
            }
            return status
        }
        try? FileManager.default.removeItem(atPath: self.pidPath)
        self.logger.info(
            "embedded mosquitto stopped",
            metadata: ["data_dir": "\(self.dataDirectory)", "exit_status": "\(status)"]
        )
    }
}

extension EmbeddedMosquitto: Service {
    /// Starts the broker, runs until graceful shutdown, then stops it.
    public func run() async throws {
        try await self.start()
        try? await gracefulShutdown()
        await self.stop()
    }
}
