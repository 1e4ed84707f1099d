import CModbus

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One accepted client on the server thread; `partialSince` is when the first bytes of a still incomplete frame
/// were seen.
struct ClientSlot {
    var socket: Int32
    var connection: Int
    var partialSince: ContinuousClock.Instant?
}

/// How much of the next Modbus TCP frame is in a socket's receive buffer, looked at without consuming it.
enum BufferedFrame {
    case empty, partial, complete, malformed, closed

    static func peek(_ socket: Int32) -> BufferedFrame {
        var bytes = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))
        let got = recv(socket, &bytes, bytes.count, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        if got == 0 { return .closed }
        if got < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .empty : .closed }
        guard got >= 6 else { return .partial }
        // MBAP: transaction (2), protocol (2), length (2) counting the unit id and the PDU.
        let length = Int(bytes[4]) << 8 | Int(bytes[5])
        guard (2...Int(MODBUS_TCP_MAX_ADU_LENGTH) - 6).contains(length) else { return .malformed }
        return got >= 6 + length ? .complete : .partial
    }
}
