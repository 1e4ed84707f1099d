extension SungrowRegisterMap {
    /// The wire addresses `name` occupies.
    public func wireRange(of name: String) -> ClosedRange<Int>? {
        self[name].map { $0.wireAddress...($0.wireAddress + $0.type.words - 1) }
    }

    /// The wire address blocks a device answers for, per table: registers at most `gap` apart are one block, and
    /// the reserved registers inside a block read as zero (a poller reads a block in one request).
    public func wireBlocks(table: SungrowRegister.Table, gap: Int = 32) -> [ClosedRange<Int>] {
        let ranges = self.registers.filter { $0.table == table }.compactMap { self.wireRange(of: $0.name) }
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
