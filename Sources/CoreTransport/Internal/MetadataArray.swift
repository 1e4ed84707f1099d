internal import CGRPC
import GRPCCore

/// A C array of `grpc_metadata` built from GRPCCore `Metadata`, owning its slices until deinit.
///
/// Keys are lowercased and checked with the C core's own legality tests before they are sent: one invalid key or
/// value would fail the whole batch (and so the call), so offending entries are dropped instead.
final class OutboundMetadata {
    let pointer: UnsafeMutablePointer<grpc_metadata>
    private(set) var count = 0

    /// Keys the transport or the HTTP/2 layer owns; an application value would confuse or poison the call.
    static let reservedKeys: Set<String> = [
        "grpc-timeout", "grpc-status", "grpc-message", "grpc-encoding", "grpc-accept-encoding",
        "content-type", "te", "host", "connection", "transfer-encoding", "upgrade", "keep-alive",
    ]

    init(_ metadata: Metadata) {
        self.pointer = .allocate(capacity: max(metadata.count, 1))
        for (key, value) in metadata {
            self.append(key: key, value: value)
        }
    }

    private func append(key rawKey: String, value: Metadata.Value) {
        let key = rawKey.lowercased()
        guard !key.hasPrefix(":"), !Self.reservedKeys.contains(key) else { return }
        let keySlice = Self.slice(Array(key.utf8))
        guard grpc_header_key_is_legal(keySlice) != 0 else {
            grpc_slice_unref(keySlice)
            return
        }
        let isBinaryKey = key.hasSuffix("-bin")
        let valueSlice: grpc_slice
        switch value {
        case .string(let string):
            valueSlice = Self.slice(Array(string.utf8))
        case .binary(let bytes) where isBinaryKey:
            valueSlice = Self.slice(bytes)
        case .binary:
            // A binary value under a text key: send it the way the wire would carry it anyway.
            valueSlice = Self.slice(Array(value.encoded().utf8))
        }
        if !isBinaryKey && grpc_header_nonbin_value_is_legal(valueSlice) == 0 {
            grpc_slice_unref(keySlice)
            grpc_slice_unref(valueSlice)
            return
        }
        var entry = grpc_metadata()
        entry.key = keySlice
        entry.value = valueSlice
        (self.pointer + self.count).initialize(to: entry)
        self.count += 1
    }

    private static func slice(_ bytes: [UInt8]) -> grpc_slice {
        bytes.withUnsafeBytes { hv_slice_from_bytes($0.baseAddress, $0.count) }
    }

    deinit {
        for index in 0..<self.count {
            grpc_slice_unref(self.pointer[index].key)
            grpc_slice_unref(self.pointer[index].value)
        }
        self.pointer.deinitialize(count: self.count)
        self.pointer.deallocate()
    }
}

/// A `grpc_metadata_array` the C core fills on receive. Copy it out with `metadata()` while the call is alive.
final class InboundMetadata {
    let pointer: UnsafeMutablePointer<grpc_metadata_array>

    init() {
        self.pointer = .allocate(capacity: 1)
        grpc_metadata_array_init(self.pointer)
    }

    /// The received entries as GRPCCore metadata: `-bin` keys as binary values, the rest as strings.
    func metadata() -> Metadata {
        let array = self.pointer.pointee
        var result = Metadata()
        result.reserveCapacity(array.count)
        for index in 0..<array.count {
            let entry = array.metadata[index]
            let key = String(decoding: Bytes.of(entry.key), as: UTF8.self)
            let value = Bytes.of(entry.value)
            if key.hasSuffix("-bin") {
                result.addBinary(value, forKey: key)
            } else {
                result.addString(String(decoding: value, as: UTF8.self), forKey: key)
            }
        }
        return result
    }

    deinit {
        grpc_metadata_array_destroy(self.pointer)
        self.pointer.deallocate()
    }
}

/// Copies out of C slices and byte buffers.
enum Bytes {
    static func of(_ slice: grpc_slice) -> [UInt8] {
        let length = hv_slice_length(slice)
        guard length > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            hv_slice_copy(slice, buffer.baseAddress)
            initialized = length
        }
    }

    /// The (decompressed) payload of a received byte buffer, or nil when it cannot be read.
    static func of(_ buffer: UnsafeMutablePointer<grpc_byte_buffer>) -> [UInt8]? {
        var reader = grpc_byte_buffer_reader()
        guard grpc_byte_buffer_reader_init(&reader, buffer) != 0 else { return nil }
        defer { grpc_byte_buffer_reader_destroy(&reader) }
        let all = grpc_byte_buffer_reader_readall(&reader)
        defer { grpc_slice_unref(all) }
        return Self.of(all)
    }

    /// A string from a C string the core allocated, freeing it.
    static func takeCString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        defer { gpr_free(pointer) }
        return String(cString: pointer)
    }
}
