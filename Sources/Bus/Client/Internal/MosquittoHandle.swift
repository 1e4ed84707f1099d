import CMosquitto
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one owner of a `struct mosquitto *` and of the `ClientState` its callbacks reach through `userdata`.
/// libmosquitto is thread-safe (built with threads), so callers may use `pointer` from any thread until `deinit`,
/// which stops the network thread and destroys the handle once nothing else refers to it.
final class MosquittoHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let state: ClientState
    private let loop = Mutex<NetworkLoop?>(nil)

    init(clientID: String, cleanSession: Bool, state: ClientState) throws(BusError) {
        Mosquitto.initialize()
        guard let pointer = mosquitto_new(clientID, cleanSession, Unmanaged.passUnretained(state).toOpaque()) else {
            throw BusError(
                code: .connection,
                message: "mosquitto_new failed for client_id '\(clientID)': \(String(cString: strerror(errno)))"
            )
        }
        self.pointer = pointer
        self.state = state
        Callbacks.install(on: pointer)
        // Our own thread runs mosquitto_loop: publishes from other threads wake it instead of writing themselves.
        mosquitto_threaded_set(pointer, true)
    }

    /// Starts the network thread (after the first connect).
    func startLoop(reconnectDelaySeconds delay: ClosedRange<Int>) {
        let loop = NetworkLoop(pointer: self.pointer, reconnectDelaySeconds: delay)
        self.loop.withLock { $0 = loop }
        loop.start()
    }

    /// Sends DISCONNECT (or, when `abrupt`, has the network thread close the socket without one, so the broker
    /// publishes the will), fails the waiters and ends the message stream. Idempotent; does not block.
    func beginShutdown(abrupt: Bool) {
        guard self.state.close() else { return }
        let loop = self.loop.withLock { $0 }
        if abrupt {
            loop?.requestStop(.abrupt)
        } else {
            _ = mosquitto_disconnect_v5(self.pointer, 0, nil)
            loop?.requestStop(.graceful)
        }
    }

    /// `beginShutdown`, then waits (on a thread of its own) for the network thread to exit.
    func shutdown(abrupt: Bool) async {
        self.beginShutdown(abrupt: abrupt)
        guard let loop = self.loop.withLock({ $0 }) else { return }
        _ = await onOwnThread("mqtt-stop") { loop.join(timeout: .seconds(5)) }
    }

    deinit {
        self.beginShutdown(abrupt: false)
        if let loop = self.loop.withLock({ $0 }) { _ = loop.join(timeout: .seconds(5)) }
        mosquitto_destroy(self.pointer)
    }
}

/// Carries the handle's pointer onto the thread that joins the network thread.
struct SendablePointer: @unchecked Sendable {
    let value: OpaquePointer
    init(_ value: OpaquePointer) { self.value = value }
}
