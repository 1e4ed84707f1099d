import CMosquitto
import Logging

/// libmosquitto's callbacks, on its network thread. `userdata` is the client's `ClientState`, kept alive by the
/// `MosquittoHandle` that owns the `struct mosquitto`, which stops the thread before it lets go of the state.
enum Callbacks {
    static func install(on mosq: OpaquePointer) {
        mosquitto_connect_v5_callback_set(mosq, onConnect)
        mosquitto_disconnect_v5_callback_set(mosq, onDisconnect)
        mosquitto_publish_v5_callback_set(mosq, onPublish)
        mosquitto_subscribe_v5_callback_set(mosq, onSubscribe)
        mosquitto_message_v5_callback_set(mosq, onMessage)
    }

    private static func state(_ userdata: UnsafeMutableRawPointer?) -> ClientState {
        Unmanaged<ClientState>.fromOpaque(userdata!).takeUnretainedValue()
    }

    private static let onConnect:
        @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, Int32, OpaquePointer?)
            -> Void = { mosq, userdata, code, flags, _ in
                let state = Callbacks.state(userdata)
                if state.settleConnack(code) { return }
                guard code == 0 else {
                    state.logger.warning(
                        "the MQTT broker refused the reconnect",
                        metadata: ["broker": "\(state.endpoint)", "reason": "\(Mosquitto.reason(code))"]
                    )
                    return
                }
                let sessionPresent = flags & 1 == 1
                state.logger.info(
                    "reconnected to the MQTT broker",
                    metadata: ["broker": "\(state.endpoint)", "session_present": "\(sessionPresent)"]
                )
                state.onConnectionChange(true)
                guard let mosq else { return }
                // Subscribe again even when the session was kept: Mosquitto 2.0 restores a persistent session's
                // queued messages after a restart but not its shared ($share) subscriptions. Their SUBACKs have
                // no waiter.
                for (filter, qos) in state.subscriptions {
                    var mid: Int32 = 0
                    let rc = mosquitto_subscribe_v5(mosq, &mid, filter, qos.rawValue, 0, nil)
                    if rc == Mosquitto.success {
                        state.ignoreAcknowledgement(of: mid)
                    } else {
                        state.logger.error(
                            "resubscribing after a reconnect failed",
                            metadata: ["filter": "\(filter)", "error": "\(Mosquitto.describe(rc))"]
                        )
                    }
                }
            }

    private static let onDisconnect:
        @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, OpaquePointer?)
            -> Void = { _, userdata, code, _ in
                let state = Callbacks.state(userdata)
                guard !state.isClosing else { return }
                state.logger.warning(
                    "lost the MQTT broker; reconnecting",
                    metadata: ["broker": "\(state.endpoint)", "reason": "\(Mosquitto.describe(code))"]
                )
                state.onConnectionChange(false)
            }

    private static let onPublish:
        @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, Int32, OpaquePointer?)
            -> Void = { _, userdata, mid, reason, _ in
                Callbacks.state(userdata).acknowledged(mid, code: reason)
            }

    private static let onSubscribe:
        @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, Int32, UnsafePointer<Int32>?, OpaquePointer?)
            -> Void = { _, userdata, mid, count, granted, _ in
                // One filter per SUBSCRIBE: its granted QoS, or a failure code >= 0x80.
                let code = count > 0 ? (granted?.pointee ?? 0x80) : 0x80
                Callbacks.state(userdata).acknowledged(mid, code: code)
            }

    private static let onMessage:
        @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafePointer<mosquitto_message>?, OpaquePointer?)
            -> Void = { _, userdata, message, _ in
                guard let message = message?.pointee, let topic = message.topic else { return }
                let count = Int(message.payloadlen)
                let payload =
                    count > 0 && message.payload != nil
                    ? Array(UnsafeRawBufferPointer(start: message.payload, count: count)) : []
                Callbacks.state(userdata).buffer.deliver(
                    MQTTMessage(
                        topic: String(cString: topic),
                        payload: payload,
                        qos: message.qos >= 1 ? .atLeastOnce : .atMostOnce,
                        retain: message.retain
                    )
                )
            }
}
