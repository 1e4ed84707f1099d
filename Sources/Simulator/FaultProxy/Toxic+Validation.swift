extension Toxic {
    /// Durations above this are refused: a fault longer than a day is a mistake, not a drill.
    static let longestDuration: Duration = .seconds(86_400)

    /// Checks every field; the error names the bad one (`latency`, `jitter`, `rate`, `average_size`, `stream`, ...).
    public func validate() throws(FaultProxyError) {
        try Self.validateName(self.name)
        guard self.toxicity >= 0, self.toxicity <= 1 else {
            throw FaultProxyError.invalid("toxicity", "\(self.toxicity) is not between 0 and 1")
        }
        if case .timed(let duration) = self.lifetime {
            try Self.validateDuration(duration, field: "duration", allowZero: false)
        }
        if self.kind.actsOnWholeConnections, self.direction != .both {
            throw FaultProxyError.invalid(
                "stream",
                "\(self.kind.typeName) acts on whole connections and takes 'both' (got '\(self.direction.rawValue)');"
                    + " cut one direction with blackhole or timeout"
            )
        }
        try self.validateKind()
    }

    private func validateKind() throws(FaultProxyError) {
        switch self.kind {
        case .down, .blackhole:
            return
        case .latency(let latency, let jitter):
            try Self.validateDuration(latency, field: "latency")
            try Self.validateDuration(jitter, field: "jitter")
        case .bandwidth(let rate):
            guard rate > 0, rate <= 10_000_000 else {
                throw FaultProxyError.invalid("rate", "\(rate) KB/s is not between 1 and 10000000")
            }
        case .resetPeer(let after):
            try Self.validateDuration(after, field: "timeout")
        case .slicer(let averageSize, let sizeVariation, let delay):
            guard averageSize >= 1, averageSize <= 1 << 20 else {
                throw FaultProxyError.invalid("average_size", "\(averageSize) is not between 1 and 1048576 bytes")
            }
            guard sizeVariation >= 0, sizeVariation < averageSize else {
                throw FaultProxyError.invalid(
                    "size_variation",
                    "\(sizeVariation) must be at least 0 and below average_size (\(averageSize))"
                )
            }
            try Self.validateDuration(delay, field: "delay")
        case .limitData(let bytes):
            guard bytes >= 0 else { throw FaultProxyError.invalid("bytes", "\(bytes) is negative") }
        case .timeout(let after):
            if let after { try Self.validateDuration(after, field: "timeout") }
        case .dropFirstConnections(let count), .dropFirstChunks(let count):
            guard count >= 1, count <= 1_000_000 else {
                throw FaultProxyError.invalid("count", "\(count) is not between 1 and 1000000")
            }
        }
    }

    static func validateName(_ name: String) throws(FaultProxyError) {
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_-.".contains(Character(scalar)))
        }
        guard (1...64).contains(name.count), allowed else {
            throw FaultProxyError.invalid(
                "name",
                "'\(name.prefix(80))' must be 1-64 letters, digits, '_', '-' or '.'"
            )
        }
    }

    static func validateDuration(_ duration: Duration, field: String, allowZero: Bool = true) throws(FaultProxyError) {
        guard duration >= .zero else { throw FaultProxyError.invalid(field, "\(duration) is negative") }
        guard allowZero || duration > .zero else { throw FaultProxyError.invalid(field, "must be above zero") }
        guard duration <= Self.longestDuration else {
            throw FaultProxyError.invalid(field, "\(duration) is longer than a day")
        }
    }
}
