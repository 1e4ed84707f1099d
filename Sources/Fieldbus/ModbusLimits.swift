/// Protocol limits and the argument checks both sides share (Modbus Application Protocol v1.1b3, 6.3/6.4/6.12).
public enum ModbusLimits {
    /// FC03/FC04: at most 125 registers a read.
    public static let maxReadCount = 125
    /// FC16: at most 123 registers a write.
    public static let maxWriteCount = 123

    /// Checks that `count` registers from `address` fit the protocol and the 16-bit address space.
    static func check(address: Int, count: Int, maxCount: Int) throws(ModbusError) {
        guard (0...0xFFFF).contains(address) else {
            throw .invalid("address", "must be 0...65535, got \(address)")
        }
        guard (1...maxCount).contains(count) else {
            throw .invalid("count", "must be 1...\(maxCount), got \(count)")
        }
        guard address + count <= 0x1_0000 else {
            throw .invalid("count", "address \(address) + count \(count) runs past register 65535")
        }
    }
}
