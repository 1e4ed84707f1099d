import Foundation
import GRPCCore
import SwiftProtobuf

#if canImport(FoundationEssentials)
import FoundationEssentials
#endif

/// The method's response message, in binary -> proto3 JSON (lowerCamelCase names, int64 as strings, enums by
/// name, well-known types in their JSON forms), or just the `response_body` field's value.
enum ResponseTranscoder {
    static func json(_ bytes: [UInt8], route: Route) throws(GatewayError) -> [UInt8] {
        let json: [UInt8]
        do {
            json = try Self.encodeOpened(route.outputType, bytes: bytes)
        } catch {
            throw GatewayError(
                code: .internalError,
                message: "the response of \(route.method.fullName) cannot be encoded as JSON: \(error)",
                details: [GatewayError.errorInfo(reason: "RESPONSE_ENCODING")]
            )
        }
        guard let field = route.responseBody else { return json }
        return Self.extract(field, from: json)
    }

    private static func encodeOpened<M: SwiftProtobuf.Message>(_ type: M.Type, bytes: [UInt8]) throws -> [UInt8] {
        try M(serializedBytes: bytes).jsonUTF8Bytes()
    }

    /// The value of `field` in the encoded object; proto3 JSON omits default values, so a missing field is its
    /// default.
    static func extract(_ field: DescriptorIndex.Field, from json: [UInt8]) -> [UInt8] {
        if let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
            let value = object[field.jsonName],
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
        {
            return [UInt8](data)
        }
        if field.isRepeated { return Array("[]".utf8) }
        switch field.kind {
        case .string, .bytes: return Array("\"\"".utf8)
        case .bool: return Array("false".utf8)
        case .int64, .uint64, .sint64, .fixed64, .sfixed64: return Array("\"0\"".utf8)
        case .message, .group: return Array("{}".utf8)
        case .enum: return Array("0".utf8)
        default: return Array("0".utf8)
        }
    }
}
