import Logging
import Synchronization

/// The edge agent's poll loop (issue 8, item 2): polls every configured Modbus device on its own schedule and appends
/// the normalized readings to the spool. `run()` returns when its task is cancelled; device failures are counted in
/// `health()` and never end it. (It has the shape of a ServiceLifecycle `Service`.)
public final class Poller: Sendable {
    private let devices: [DevicePoller]
    private let running = Mutex(false)
    private let logger: Logger

    public init(devices: [ModbusDeviceConfiguration], spool: any ReadingSpool, logger: Logger) {
        self.devices = devices.map { DevicePoller(device: $0, spool: spool, logger: logger) }
        self.logger = logger
    }

    public convenience init(configuration: EdgeConfiguration, spool: any ReadingSpool, logger: Logger) {
        self.init(devices: configuration.devices, spool: spool, logger: logger)
    }

    /// Polls until cancelled, then closes every connection and returns. A second `run()` while one runs returns at
    /// once (two loops would poll each device twice as often as its limits allow).
    public func run() async {
        let started = self.running.withLock { running -> Bool in
            defer { running = true }
            return !running
        }
        guard started else {
            self.logger.error("the poller is already running; this run() returns at once")
            return
        }
        defer { self.running.withLock { $0 = false } }
        await withDiscardingTaskGroup { group in
            for device in self.devices {
                group.addTask { await device.run() }
            }
        }
    }

    /// Every device's counters and last successful poll, in config order.
    public func health() -> PollerHealth {
        PollerHealth(devices: self.devices.map { device in device.health.withLock { $0 } })
    }
}
