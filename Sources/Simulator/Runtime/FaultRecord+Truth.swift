extension FaultRecord {
    /// Effects the ground truth records: the toxic's life (`added`, `removed`, `expired`) and what it did to whole
    /// connections or once per connection (`refused`, `dropped_connection`, `reset`, `closed`, `limited`) or a
    /// bounded number of times (`dropped_chunk`, the first N). Per-chunk effects (`delayed`, `throttled`, `sliced`,
    /// `swallowed`) stay in the proxy's own log: they can come thousands a second.
    public static let truthEffects: Set<FaultEffect> = [
        .added, .removed, .expired, .refused, .droppedConnection, .reset, .closed, .limited, .droppedChunk,
    ]
}

extension TruthRecord {
    /// The ground-truth line of a proxy's fault record, nil for an effect not in `FaultRecord.truthEffects`:
    /// fault `proxy-{effect}` (e.g. `proxy-refused`) on `deviceGroups/{group}`, with the proxy, the toxic (the
    /// injector's `fault-{id}`), its type and direction, and the connection and bytes when there are.
    public static func proxy(_ record: FaultRecord, at instant: SimInstant) -> TruthRecord? {
        guard FaultRecord.truthEffects.contains(record.effect) else { return nil }
        var detail =
            "proxy=\(record.proxy) toxic=\(record.toxic) type=\(record.type) direction=\(record.direction.rawValue)"
        if let connection = record.connection { detail += " connection=\(connection)" }
        if let bytes = record.bytes { detail += " bytes=\(bytes)" }
        return .fault(
            "proxy-\(record.effect.rawValue)",
            detail: detail,
            device: "deviceGroups/\(record.group ?? DeviceGroups.all)",
            at: instant
        )
    }
}
