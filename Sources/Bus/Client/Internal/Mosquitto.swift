import CMosquitto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// libmosquitto's global setup and its result codes.
enum Mosquitto {
    /// `mosquitto_lib_init` is not thread-safe; a global's initializer runs exactly once.
    private static let initialized: Int32 = mosquitto_lib_init()

    static func initialize() { _ = Self.initialized }

    static let success = Int32(MOSQ_ERR_SUCCESS.rawValue)

    /// `mosquitto_strerror`, with the text of `systemError` (errno of the failed call's thread) for MOSQ_ERR_ERRNO.
    static func describe(_ rc: Int32, systemError: Int32 = errno) -> String {
        if rc == Int32(MOSQ_ERR_ERRNO.rawValue) { return String(cString: strerror(systemError)) }
        return String(cString: mosquitto_strerror(rc))
    }

    /// A failed libmosquitto call as a BusError naming the operation; `systemError` is errno as the call left it
    /// (read on the thread that made the call).
    static func error(
        _ rc: Int32,
        _ operation: String,
        code: BusError.Code = .protocolError,
        systemError: Int32 = errno
    ) -> BusError {
        let connectionLost = [MOSQ_ERR_NO_CONN, MOSQ_ERR_CONN_LOST, MOSQ_ERR_ERRNO].map { Int32($0.rawValue) }
        return BusError(
            code: connectionLost.contains(rc) ? .connection : code,
            message: "\(operation) failed: \(Self.describe(rc, systemError: systemError)) (libmosquitto \(rc))"
        )
    }

    /// A v5 reason code (PUBACK, SUBACK) as text, e.g. "Not authorized".
    static func reason(_ code: Int32) -> String { String(cString: mosquitto_reason_string(code)) }
}
