import CModbus
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A Modbus TCP client over libmodbus: reads input and holding registers and writes holding registers, one request
/// at a time on its own thread. Addresses are wire (zero-based) addresses.
public final class ModbusClient: Sendable {
    private let thread: ClientThread
    private let context: SendableContext
    public let host: String
    public let port: Int

    /// Connects to `host:port`, addressing `unit`; a request without an answer in `responseTimeout` fails with
    /// `.timeout`.
    public init(
        host: String = "127.0.0.1",
        port: Int,
        unit: Int = 1,
        responseTimeout: Duration = .seconds(1)
    )
        async throws
    {
        guard (1...65535).contains(port) else { throw ModbusError.invalid("port", "must be 1...65535, got \(port)") }
        guard (0...247).contains(unit) else { throw ModbusError.invalid("unit", "must be 0...247, got \(unit)") }
        guard responseTimeout > .zero && responseTimeout <= .seconds(60) else {
            throw ModbusError.invalid("responseTimeout", "must be in (0, 60] seconds")
        }
        guard let context = modbus_new_tcp(host, Int32(port)) else {
            throw ModbusError.invalid("host", "libmodbus refused '\(host)': \(String(cString: modbus_strerror(errno)))")
        }
        let (seconds, attoseconds) = responseTimeout.components
        modbus_set_response_timeout(context, UInt32(seconds), UInt32(attoseconds / 1_000_000_000_000))
        modbus_set_slave(context, Int32(unit))
        self.context = SendableContext(context)
        self.thread = ClientThread(name: "modbus-client")
        self.host = host
        self.port = port
        let handle = self.context
        do {
            try await self.thread.run {
                guard modbus_connect(handle.pointer) == 0 else {
                    throw ModbusError(code: .connection, message: "connect \(host):\(port): \(Self.lastError())")
                }
            }
        } catch {
            await self.close()
            throw error
        }
    }

    /// FC04.
    public func readInputRegisters(address: Int, count: Int) async throws -> [UInt16] {
        try await self.read(.input, address: address, count: count)
    }

    /// FC03.
    public func readHoldingRegisters(address: Int, count: Int) async throws -> [UInt16] {
        try await self.read(.holding, address: address, count: count)
    }

    /// FC06.
    public func writeRegister(address: Int, value: UInt16) async throws {
        try ModbusLimits.check(address: address, count: 1, maxCount: 1)
        let handle = self.context
        try await self.thread.run {
            guard modbus_write_register(handle.pointer, Int32(address), value) == 1 else { throw Self.failure(handle) }
        }
    }

    /// FC16.
    public func writeRegisters(address: Int, values: [UInt16]) async throws {
        guard !values.isEmpty && values.count <= ModbusLimits.maxWriteCount else {
            throw ModbusError.invalid(
                "values",
                "must hold 1...\(ModbusLimits.maxWriteCount) registers, got \(values.count)"
            )
        }
        try ModbusLimits.check(address: address, count: values.count, maxCount: ModbusLimits.maxWriteCount)
        let handle = self.context
        try await self.thread.run {
            let written = values.withUnsafeBufferPointer {
                modbus_write_registers(handle.pointer, Int32(address), Int32(values.count), $0.baseAddress)
            }
            guard written == values.count else { throw Self.failure(handle) }
        }
    }

    /// Closes the connection after the request in flight and ends the thread. Requests still queued, and any made
    /// later, fail with `.closed`; they never touch the freed context. A second `close()` does nothing. A client
    /// that is never closed keeps its socket and thread.
    public func close() async {
        let handle = self.context
        _ = await self.thread.close {
            modbus_close(handle.pointer)
            modbus_free(handle.pointer)
        }
    }

    private func read(_ kind: RegisterKind, address: Int, count: Int) async throws -> [UInt16] {
        try ModbusLimits.check(address: address, count: count, maxCount: ModbusLimits.maxReadCount)
        let handle = self.context
        return try await self.thread.run {
            var values = [UInt16](repeating: 0, count: count)
            let read =
                kind == .input
                ? modbus_read_input_registers(handle.pointer, Int32(address), Int32(count), &values)
                : modbus_read_registers(handle.pointer, Int32(address), Int32(count), &values)
            guard read == count else { throw Self.failure(handle) }
            return values
        }
    }

    /// Maps libmodbus's errno to an error; drops any late bytes so the next request starts clean.
    private static func failure(_ handle: SendableContext) -> ModbusError {
        let code = errno
        let message = lastError()
        _ = modbus_flush(handle.pointer)
        let base = Int32(MODBUS_ENOBASE)
        switch code {
        case base + 1...base + 11:
            if let exception = ModbusExceptionCode(rawValue: UInt8(code - base)) {
                return ModbusError(code: .exception(exception), message: message)
            }
            return ModbusError(code: .malformedReply, message: message)
        case base + 12...base + 17:
            return ModbusError(code: .malformedReply, message: message)
        case ETIMEDOUT:
            return ModbusError(code: .timeout, message: message)
        default:
            return ModbusError(code: .connection, message: message)
        }
    }

    private static func lastError() -> String { String(cString: modbus_strerror(errno)) }
}

/// The `modbus_t*`, only dereferenced on the client thread.
struct SendableContext: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
