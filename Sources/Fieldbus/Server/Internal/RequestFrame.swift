/// A Modbus TCP request as received: MBAP header (transaction, protocol, length, unit) then the PDU.
struct RequestFrame {
    enum Decoded {
        case request(ModbusRequest)
        /// What a well-behaved device answers a malformed request with.
        case refused(ModbusExceptionCode)
    }

    /// MBAP header length; the function code follows it.
    static let headerLength = 7

    let bytes: [UInt8]
    let connection: Int

    init(bytes: ArraySlice<UInt8>, connection: Int) {
        self.bytes = Array(bytes)
        self.connection = connection
    }

    private func word(at index: Int) -> UInt16? {
        guard index + 1 < self.bytes.count else { return nil }
        return UInt16(self.bytes[index]) << 8 | UInt16(self.bytes[index + 1])
    }

    /// The MBAP protocol id: 0 for Modbus; a frame with another is not a Modbus request and gets no reply.
    var protocolID: UInt16 { self.word(at: 2) ?? 0xFFFF }
    var unit: UInt8 { self.bytes.count >= Self.headerLength ? self.bytes[Self.headerLength - 1] : 0 }

    func decode() -> Decoded {
        let h = Self.headerLength
        guard self.bytes.count > h, let function = ModbusFunction(rawValue: self.bytes[h]) else {
            return .refused(.illegalFunction)
        }
        guard let address = self.word(at: h + 1), let field = self.word(at: h + 3) else {
            return .refused(.illegalDataValue)
        }
        let unit = self.bytes[h - 1]
        switch function {
        case .readHoldingRegisters, .readInputRegisters:
            guard (1...ModbusLimits.maxReadCount).contains(Int(field)), Int(address) + Int(field) <= 0x1_0000 else {
                return .refused(.illegalDataValue)
            }
            return .request(
                ModbusRequest(
                    connection: self.connection,
                    unit: unit,
                    function: function,
                    address: address,
                    count: Int(field)
                )
            )
        case .writeSingleRegister:
            return .request(
                ModbusRequest(
                    connection: self.connection,
                    unit: unit,
                    function: function,
                    address: address,
                    count: 1,
                    values: [field]
                )
            )
        case .writeMultipleRegisters:
            let count = Int(field)
            guard (1...ModbusLimits.maxWriteCount).contains(count), Int(address) + count <= 0x1_0000,
                self.bytes.count > h + 5, Int(self.bytes[h + 5]) == 2 * count,
                self.bytes.count >= h + 6 + 2 * count
            else { return .refused(.illegalDataValue) }
            let values = (0..<count).compactMap { self.word(at: h + 6 + 2 * $0) }
            return .request(
                ModbusRequest(
                    connection: self.connection,
                    unit: unit,
                    function: function,
                    address: address,
                    count: count,
                    values: values
                )
            )
        }
    }

    /// A reply of the right length for `request` whose transaction id does not match and whose payload is 0xDEAD
    /// filler: a client that checks the frame rejects it, and the stream stays in step.
    func junkReply(for request: ModbusRequest) -> [UInt8] {
        let transaction = (self.word(at: 0) ?? 0) ^ 0xA5A5
        var pdu: [UInt8] = [request.function.rawValue]
        if request.function.isWrite {
            pdu += [0xDE, 0xAD, 0xBE, 0xEF]
        } else {
            pdu.append(UInt8(2 * request.count))
            for _ in 0..<request.count { pdu += [0xDE, 0xAD] }
        }
        let length = UInt16(pdu.count + 1)
        return [
            UInt8(transaction >> 8), UInt8(transaction & 0xFF), 0, 0, UInt8(length >> 8), UInt8(length & 0xFF),
            request.unit,
        ] + pdu
    }
}
