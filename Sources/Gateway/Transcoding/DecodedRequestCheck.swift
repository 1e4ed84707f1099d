import SwiftProtobuf

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Finds what SwiftProtobuf's JSON decoder lets through but should not, in a decoded request.
///
/// - An enum number outside Int32 (2147483648) is kept without a range check, and encoding such a message to
///   binary then writes fewer bytes than it sized (a debug assertion, garbage in release).
/// - A `FieldMask` string is not checked for paths (`"0.5"` decodes).
///
/// The gateway checks every decoded request with this visitor and answers 400 instead.
struct DecodedRequestCheck: Visitor {
    private(set) var problem: String?

    static func problem(in message: some SwiftProtobuf.Message) -> String? {
        var check = DecodedRequestCheck()
        try? message.traverse(visitor: &check)
        return check.problem
    }

    private mutating func check(_ rawValue: Int) {
        if self.problem == nil, Int32(exactly: rawValue) == nil {
            self.problem = "enum value \(rawValue) is outside the 32-bit range of proto enums"
        }
    }

    private mutating func check(_ mask: Google_Protobuf_FieldMask) {
        for path in mask.paths where self.problem == nil {
            let valid = path.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { segment in
                guard let first = segment.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
                return segment.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
                }
            }
            if !valid { self.problem = "field mask path '\(path)' is not a field path" }
        }
    }

    mutating func visitSingularEnumField<E: Enum>(value: E, fieldNumber: Int) throws { self.check(value.rawValue) }
    mutating func visitSingularMessageField<M: Message>(value: M, fieldNumber: Int) throws {
        if let mask = value as? Google_Protobuf_FieldMask { self.check(mask) }
        try value.traverse(visitor: &self)
    }
    mutating func visitSingularGroupField<G: Message>(value: G, fieldNumber: Int) throws {
        try value.traverse(visitor: &self)
    }
    mutating func visitMapField<KeyType, ValueType>(
        fieldType: _ProtobufEnumMap<KeyType, ValueType>.Type,
        value: _ProtobufEnumMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws where ValueType.RawValue == Int {
        for element in value.values { self.check(element.rawValue) }
    }
    mutating func visitMapField<KeyType, ValueType>(
        fieldType: _ProtobufMessageMap<KeyType, ValueType>.Type,
        value: _ProtobufMessageMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws {
        for element in value.values { try element.traverse(visitor: &self) }
    }

    // Everything else cannot be out of range.
    mutating func visitSingularDoubleField(value: Double, fieldNumber: Int) throws {}
    mutating func visitSingularInt64Field(value: Int64, fieldNumber: Int) throws {}
    mutating func visitSingularUInt64Field(value: UInt64, fieldNumber: Int) throws {}
    mutating func visitSingularBoolField(value: Bool, fieldNumber: Int) throws {}
    mutating func visitSingularStringField(value: String, fieldNumber: Int) throws {}
    mutating func visitSingularBytesField(value: Data, fieldNumber: Int) throws {}
    mutating func visitMapField<KeyType, ValueType: MapValueType>(
        fieldType: _ProtobufMap<KeyType, ValueType>.Type,
        value: _ProtobufMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws {}
    mutating func visitUnknown(bytes: Data) throws {}
}
