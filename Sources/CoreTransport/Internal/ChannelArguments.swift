internal import CGRPC

/// Builds a `grpc_channel_args` for the duration of one C call (the core copies what it keeps).
struct ChannelArguments {
    enum Value {
        case int(Int)
        case string(String)
    }

    private(set) var entries: [(String, Value)] = []

    mutating func set(_ key: String, _ value: Int) {
        self.entries.append((key, .int(value)))
    }

    mutating func set(_ key: String, _ value: String) {
        self.entries.append((key, .string(value)))
    }

    /// Message size limits; the core fails larger messages with RESOURCE_EXHAUSTED.
    mutating func setMessageLimits(receive: Int, send: Int) {
        self.set("grpc.max_receive_message_length", receive)
        self.set("grpc.max_send_message_length", send)
    }

    /// HTTP/2 keepalive pings, the same keys on both sides.
    mutating func setKeepalive(_ keepalive: Keepalive) {
        self.set("grpc.keepalive_time_ms", keepalive.interval.milliseconds)
        self.set("grpc.keepalive_timeout_ms", keepalive.timeout.milliseconds)
        self.set("grpc.keepalive_permit_without_calls", keepalive.permitWithoutCalls ? 1 : 0)
    }

    /// Calls `body` with a pointer to the C arguments, valid only during the call.
    func withUnsafeArgs<Result>(_ body: (UnsafePointer<grpc_channel_args>) throws -> Result) rethrows -> Result {
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { $0.deallocate() } }
        func owned(_ string: String) -> UnsafeMutablePointer<CChar> {
            let utf8 = Array(string.utf8CString)
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
            copy.initialize(from: utf8, count: utf8.count)
            strings.append(copy)
            return copy
        }
        var args = self.entries.map { key, value -> grpc_arg in
            switch value {
            case .int(let int): return hv_arg_int(owned(key), Int32(clamping: int))
            case .string(let string): return hv_arg_string(owned(key), owned(string))
            }
        }
        return try args.withUnsafeMutableBufferPointer { buffer in
            var channelArgs = grpc_channel_args(num_args: buffer.count, args: buffer.baseAddress)
            return try body(&channelArgs)
        }
    }
}
