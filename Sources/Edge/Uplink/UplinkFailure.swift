import GRPCCore

/// What the uplink does after a failed IngestReadings call. Pure.
enum UplinkFailure: Equatable {
    /// Keep the readings and retry after a backoff: the platform is unreachable, overloaded or failing, or the
    /// token is refused (an operator fixes the token; the readings wait in the spool meanwhile).
    case retry
    /// The platform will never take these readings as they are (INVALID_ARGUMENT naming them, an unknown
    /// device): they are logged at error level, counted, and the rest of the batch goes on.
    case reject

    static func classify(_ code: RPCError.Code) -> UplinkFailure {
        switch code {
        case .invalidArgument, .notFound, .outOfRange: .reject
        default: .retry
        }
    }

    /// The reading indices a field violation names (`batch.readings[3].value` -> 3).
    static func readingIndex(_ field: String) -> Int? {
        let prefix = "batch.readings["
        guard field.hasPrefix(prefix), let close = field.firstIndex(of: "]") else { return nil }
        return Int(field[field.index(field.startIndex, offsetBy: prefix.count)..<close])
    }
}
