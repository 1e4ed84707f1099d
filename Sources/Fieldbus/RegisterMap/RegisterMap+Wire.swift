extension RegisterMap {
    /// The wire addresses `name` occupies.
    public func wireRange(of name: String) -> ClosedRange<Int>? {
        self[name]?.wireRange
    }

    /// The wire address blocks a device answers for, per table: registers at most `gap` apart are one block, and
    /// the reserved registers inside a block read as zero (a poller reads a block in one request).
    public func wireBlocks(table: RegisterDefinition.Table, gap: Int = 32) -> [ClosedRange<Int>] {
        let ranges = self.registers.filter { $0.table == table }.map(\.wireRange)
            .sorted { $0.lowerBound < $1.lowerBound }
        var blocks: [ClosedRange<Int>] = []
        for range in ranges {
            if let last = blocks.last, range.lowerBound - last.upperBound <= gap {
                blocks[blocks.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                blocks.append(range)
            }
        }
        return blocks
    }
}
