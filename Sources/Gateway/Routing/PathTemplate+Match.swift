extension PathTemplate {
    /// Matches a request path's segments (split on '/', still percent-encoded) and verb.
    ///
    /// Returns the bound variables as (field path, percent-decoded value). A variable over one segment has every
    /// escape decoded; one over several segments keeps `%2F` so the value's own slashes stay distinguishable
    /// (the reserved expansion of google.api.http).
    func match(segments path: [Substring], verb: Substring?) -> [(fieldPath: [String], value: String)]? {
        guard self.verb.map({ $0[...] }) == verb else { return nil }
        let hasDeep = self.segments.last == .deepWildcard
        if hasDeep {
            guard path.count >= self.segments.count - 1 else { return nil }
        } else {
            guard path.count == self.segments.count else { return nil }
        }
        for (index, segment) in self.segments.enumerated() {
            if case .literal(let literal) = segment {
                guard path[index] == literal || PercentDecoding.decode(path[index]) == literal else { return nil }
            }
        }
        return self.variables.map { variable in
            let lower = variable.segments.lowerBound
            let upper =
                hasDeep && variable.segments.upperBound == self.segments.count
                ? path.count : variable.segments.upperBound
            let raw = path[lower..<upper]
            if variable.segments.count == 1 && self.segments[lower] != .deepWildcard {
                return (variable.fieldPath, PercentDecoding.decode(raw[raw.startIndex]))
            }
            return (
                variable.fieldPath, raw.map { PercentDecoding.decode($0, keepingSlashes: true) }.joined(separator: "/")
            )
        }
    }

    /// The precedence key: literal segments before `*` before `**`, compared segment by segment; then a
    /// template with a verb before one without.
    var precedence: [Int] {
        self.segments.map(\.rank) + [self.verb == nil ? 1 : 0]
    }

    /// Two templates with the same shape match exactly the same paths: a table holding both is ambiguous.
    var shape: String {
        let parts = self.segments.map { segment -> String in
            switch segment {
            case .literal(let literal): return literal
            case .wildcard: return "*"
            case .deepWildcard: return "**"
            }
        }
        return "/" + parts.joined(separator: "/") + (self.verb.map { ":" + $0 } ?? "")
    }
}

/// Splits a request path into segments and a verb the way the templates expect.
enum RequestPath {
    /// `/v1/sites/a/zones/b:abort` -> (["v1","sites","a","zones","b"], "abort") when a verb is wanted.
    static func split(
        _ path: Substring
    ) -> (segments: [Substring], verbSplit: (segments: [Substring], verb: Substring)?) {
        var body = path
        if body.first == "/" { body = body.dropFirst() }
        let segments = body.split(separator: "/", omittingEmptySubsequences: false)
        guard let last = segments.last, let colon = last.lastIndex(of: ":") else { return (segments, nil) }
        var withoutVerb = segments
        withoutVerb[withoutVerb.count - 1] = last[..<colon]
        return (segments, (withoutVerb, last[last.index(after: colon)...]))
    }
}

/// RFC 3986 percent-decoding; invalid escapes are kept as they are.
enum PercentDecoding {
    static func decode(_ text: some StringProtocol, keepingSlashes: Bool = false, plusAsSpace: Bool = false) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) })
        else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") && plusAsSpace {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let high = hexValue(iterator[iterator.startIndex]),
                let low = hexValue(iterator[iterator.startIndex + 1])
            {
                let decoded = high << 4 | low
                if keepingSlashes && decoded == UInt8(ascii: "/") {
                    bytes.append(byte)
                } else {
                    bytes.append(decoded)
                    iterator = iterator.dropFirst(2)
                }
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
