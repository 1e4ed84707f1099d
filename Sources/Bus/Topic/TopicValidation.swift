/// MQTT topic, filter and client-id rules (MQTT 3.1.1 / 5 section 4.7), checked before anything reaches
/// libmosquitto so the caller gets an error naming the field.
public enum TopicValidation {
    /// A topic name to publish to: 1-65535 UTF-8 bytes, no NUL, no wildcards `+` `#`, not starting with `$`.
    public static func validateTopic(_ topic: String, field: String = "topic") throws(BusError) {
        try self.validateCommon(topic, field: field)
        guard !topic.contains("+"), !topic.contains("#") else {
            throw BusError.invalid(field, "must not contain the wildcards '+' or '#' (got '\(topic.prefix(80))')")
        }
        guard !topic.hasPrefix("$") else {
            throw BusError.invalid(field, "must not start with '$' (reserved for the broker)")
        }
    }

    /// A subscription filter: `+` fills a whole level, `#` only as the last level; `$share/{group}/{filter}`
    /// is a shared subscription whose group has no wildcards or `/`.
    public static func validateFilter(_ filter: String, field: String = "filter") throws(BusError) {
        try self.validateCommon(filter, field: field)
        var levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        if levels.first == "$share" {
            guard levels.count >= 3, !levels[1].isEmpty, !levels[1].contains("+"), !levels[1].contains("#") else {
                throw BusError.invalid(
                    field,
                    "a shared subscription is $share/{group}/{filter} (got '\(filter.prefix(80))')"
                )
            }
            levels = Array(levels.dropFirst(2))
        }
        for (index, level) in levels.enumerated() {
            if level.contains("#"), level != "#" || index != levels.count - 1 {
                throw BusError.invalid(field, "'#' must be a whole level and the last one (got '\(filter.prefix(80))')")
            }
            if level.contains("+"), level != "+" {
                throw BusError.invalid(field, "'+' must be a whole level (got '\(filter.prefix(80))')")
            }
        }
    }

    /// A client id: 1-23 characters of letters, digits, `-` or `_` (the range every MQTT 3.1.1 broker accepts).
    public static func validateClientID(_ id: String, field: String = "client_id") throws(BusError) {
        let ok =
            (1...23).contains(id.utf8.count)
            && id.unicodeScalars.allSatisfy { s in
                ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s) || s == "-" || s == "_"
            }
        guard ok else {
            throw BusError.invalid(field, "must be 1-23 letters, digits, '-' or '_' (got '\(id.prefix(40))')")
        }
    }

    private static func validateCommon(_ value: String, field: String) throws(BusError) {
        guard (1...65_535).contains(value.utf8.count) else {
            throw BusError.invalid(field, "must be 1-65535 bytes of UTF-8")
        }
        guard !value.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw BusError.invalid(field, "must not contain NUL")
        }
    }
}
