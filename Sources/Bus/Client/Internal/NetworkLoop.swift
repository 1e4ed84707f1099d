import CMosquitto
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The client's network thread: runs `mosquitto_loop` and reconnects with exponential backoff, and stops only on
/// its own flag. Not `mosquitto_loop_start`: its thread decides from libmosquitto's connection state whether to
/// reconnect, and a reconnect racing a disconnect left that thread running forever and `loop_stop` joining it.
final class NetworkLoop: Sendable {
    enum Stop: Int {
        case running = 0
        /// DISCONNECT was queued: run until it is written (the connection closes), never reconnect.
        case graceful = 1
        /// Close the socket without DISCONNECT, as a crash would (the broker publishes the will).
        case abrupt = 2
    }

    private let pointer: SendablePointer
    private let delay: ClosedRange<Int>
    private let stop = Atomic<Int>(Stop.running.rawValue)
    private let finished = DispatchSemaphore(value: 0)

    init(pointer: OpaquePointer, reconnectDelaySeconds delay: ClosedRange<Int>) {
        self.pointer = SendablePointer(pointer)
        self.delay = delay
    }

    func start() {
        let thread = Thread { [self] in
            self.run()
            self.finished.signal()
        }
        thread.name = "mqtt-network"
        thread.start()
    }

    /// Asks the thread to stop; `join` waits for it.
    func requestStop(_ how: Stop) {
        _ = self.stop.compareExchange(
            expected: Stop.running.rawValue,
            desired: how.rawValue,
            ordering: .sequentiallyConsistent
        )
    }

    /// Blocks until the thread has exited (at most `timeout`); false when it did not.
    func join(timeout: Duration) -> Bool {
        let milliseconds = Int(
            timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        )
        guard self.finished.wait(timeout: .now() + .milliseconds(milliseconds)) == .success else { return false }
        self.finished.signal()
        return true
    }

    private var stopping: Stop { Stop(rawValue: self.stop.load(ordering: .sequentiallyConsistent)) ?? .running }

    private func run() {
        let mosq = self.pointer.value
        var backoff = self.delay.lowerBound
        var gracefulDeadline: ContinuousClock.Instant?
        while true {
            switch self.stopping {
            case .abrupt:
                let socket = mosquitto_socket(mosq)
                if socket >= 0 { _ = Glibc.shutdown(socket, Int32(SHUT_RDWR)) }
                return
            case .graceful:
                let deadline = gracefulDeadline ?? ContinuousClock.now + .seconds(2)
                gracefulDeadline = deadline
                if ContinuousClock.now > deadline { return }
            case .running:
                break
            }
            let rc = mosquitto_loop(mosq, 100, 1)
            if rc == Mosquitto.success {
                backoff = self.delay.lowerBound
                continue
            }
            if self.stopping != .running { return }
            // The connection broke: wait (in slices, so a stop is noticed), then reconnect.
            let until = ContinuousClock.now + .seconds(backoff)
            while ContinuousClock.now < until, self.stopping == .running { usleep(50_000) }
            if self.stopping != .running { return }
            backoff = min(backoff * 2, self.delay.upperBound)
            _ = mosquitto_reconnect(mosq)
        }
    }
}
