import Fieldbus

/// One read request of a poll: `count` registers of `table` from wire address `address`, and where each point's
/// words sit in the reply.
public struct ReadBlock: Sendable, Hashable {
    public struct Slot: Sendable, Hashable {
        public var point: ModbusDeviceConfiguration.Point
        /// The point's first word in the reply.
        public var offset: Int
    }

    public var table: RegisterKind
    public var address: Int
    public var count: Int
    public var slots: [Slot]

    /// The fewest blocks that read every point: points of one table whose registers are at most `maxGap` unread
    /// registers apart share a read, as long as it stays within `maxRegisters`. Ordered by table, then address.
    public static func plan(
        _ points: [ModbusDeviceConfiguration.Point],
        maxRegisters: Int,
        maxGap: Int
    ) -> [ReadBlock] {
        var blocks: [ReadBlock] = []
        for table in [RegisterKind.input, .holding] {
            let sorted = points.filter { $0.register.table == table }
                .sorted { $0.register.wireAddress < $1.register.wireAddress }
            var current: ReadBlock?
            for point in sorted {
                let range = point.register.wireRange
                if var block = current {
                    let end = block.address + block.count - 1
                    let gap = range.lowerBound - end - 1
                    let merged = max(end, range.upperBound) - block.address + 1
                    if gap <= maxGap && merged <= maxRegisters {
                        block.count = merged
                        block.slots.append(Slot(point: point, offset: range.lowerBound - block.address))
                        current = block
                        continue
                    }
                    blocks.append(block)
                }
                current = ReadBlock(
                    table: table,
                    address: range.lowerBound,
                    count: range.count,
                    slots: [Slot(point: point, offset: 0)]
                )
            }
            if let current { blocks.append(current) }
        }
        return blocks
    }
}
