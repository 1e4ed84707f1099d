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
    private let joined = Atomic<Bool>(false)

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
    }

    /// Sends DISCONNECT (or, when `abrupt`, first closes the socket so the broker sees a broken connection and
    /// publishes the will), fails the waiters and ends the message stream; the network thread exits once the
    /// connection is closed. Idempotent; does not block.
    func beginShutdown(abrupt: Bool) {
        guard self.state.close() else { return }
        if abrupt {
            let socket = mosquitto_socket(self.pointer)
            if socket >= 0 { Glibc.shutdown(socket, Int32(SHUT_RDWR)) }
        }
        _ = mosquitto_disconnect_v5(self.pointer, 0, nil)
    }

    /// `beginShutdown`, then joins the network thread (on a thread of its own). Idempotent.
    func shutdown(abrupt: Bool) async {
        self.beginShutdown(abrupt: abrupt)
        guard self.joined.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        let pointer = SendablePointer(self.pointer)
        _ = await onOwnThread("mqtt-stop") { mosquitto_loop_stop(pointer.value, false) }
    }

    deinit {
        self.beginShutdown(abrupt: false)
        if !self.joined.load(ordering: .acquiring) { _ = mosquitto_loop_stop(self.pointer, false) }
        mosquitto_destroy(self.pointer)
    }
}

/// Carries the handle's pointer onto the thread that joins the network thread.
struct SendablePointer: @unchecked Sendable {
    let value: OpaquePointer
    init(_ value: OpaquePointer) { self.value = value }
}
