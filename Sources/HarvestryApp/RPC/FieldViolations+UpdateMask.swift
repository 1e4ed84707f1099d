import SwiftProtobuf

extension FieldViolations {
    /// The update mask's paths (AIP-134): at least one, each one of `allowed`.
    mutating func updateMask(_ mask: Google_Protobuf_FieldMask, allowed: Set<String>) -> Set<String> {
        guard !mask.paths.isEmpty else {
            self.add("update_mask", reason: "FIELD_REQUIRED", "must name at least one of \(allowed.sorted())")
            return []
        }
        for path in mask.paths where !allowed.contains(path) {
            self.add(
                "update_mask",
                reason: "UNKNOWN_FIELD_PATH",
                "'\(path.prefix(60))' is not one of \(allowed.sorted().joined(separator: ", "))"
            )
        }
        return Set(mask.paths)
    }
}
