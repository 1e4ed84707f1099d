import SwiftProtobuf

/// JSON Schemas (OpenAPI 3.1) of proto3 JSON values, collecting every message schema it refers to.
struct SchemaCollector {
    let index: DescriptorIndex
    var components: [(String, JSONValue)] = []
    private var seen: Set<String> = []

    init(index: DescriptorIndex) { self.index = index }

    static let int64: JSONValue = .object([
        ("type", ["string", "integer"]), ("format", "int64"), ("pattern", "^-?[0-9]+$"),
    ])
    static let uint64: JSONValue = .object([
        ("type", ["string", "integer"]), ("format", "uint64"), ("pattern", "^[0-9]+$"),
    ])

    /// Well-known types have their own JSON forms.
    static let wellKnown: [String: JSONValue] = [
        "google.protobuf.Timestamp": .object([("type", "string"), ("format", "date-time")]),
        "google.protobuf.Duration": .object([("type", "string"), ("pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$")]),
        "google.protobuf.FieldMask": .object([("type", "string")]),
        "google.protobuf.Empty": .object([("type", "object"), ("additionalProperties", false)]),
        "google.protobuf.Struct": .object([("type", "object")]),
        "google.protobuf.Value": .object([]),
        "google.protobuf.ListValue": .object([("type", "array")]),
        "google.protobuf.Any": .object([("type", "object"), ("properties", .object([("@type", .object([("type", "string")]))]))]),
        "google.protobuf.StringValue": .object([("type", ["string", "null"])]),
        "google.protobuf.BytesValue": .object([("type", ["string", "null"]), ("contentEncoding", "base64")]),
        "google.protobuf.BoolValue": .object([("type", ["boolean", "null"])]),
        "google.protobuf.Int32Value": .object([("type", ["integer", "null"]), ("format", "int32")]),
        "google.protobuf.UInt32Value": .object([("type", ["integer", "null"]), ("format", "uint32")]),
        "google.protobuf.Int64Value": .object([("type", ["string", "integer", "null"]), ("format", "int64")]),
        "google.protobuf.UInt64Value": .object([("type", ["string", "integer", "null"]), ("format", "uint64")]),
        "google.protobuf.FloatValue": .object([("type", ["number", "null"])]),
        "google.protobuf.DoubleValue": .object([("type", ["number", "null"])]),
    ]

    /// `{"$ref": "#/components/schemas/<name>"}`, or the well-known type's inline schema.
    mutating func reference(_ messageName: String) -> JSONValue {
        if let known = Self.wellKnown[messageName] { return known }
        if !self.seen.contains(messageName) {
            self.seen.insert(messageName)
            self.components.append((messageName, self.messageSchema(messageName)))
        }
        return .object([("$ref", .string("#/components/schemas/\(messageName)"))])
    }

    mutating func schema(for field: DescriptorIndex.Field) -> JSONValue {
        if field.kind == .message, let entry = self.index.messages[field.typeName], entry.isMapEntry,
            let value = entry.fields.first(where: { $0.number == 2 })
        {
            return .object([("type", "object"), ("additionalProperties", self.singular(value))])
        }
        let single = self.singular(field)
        return field.isRepeated ? .object([("type", "array"), ("items", single)]) : single
    }

    private mutating func singular(_ field: DescriptorIndex.Field) -> JSONValue {
        switch field.kind {
        case .double, .float: return .object([("type", "number")])
        case .int32, .sint32, .sfixed32: return .object([("type", "integer"), ("format", "int32")])
        case .uint32, .fixed32: return .object([("type", "integer"), ("format", "uint32"), ("minimum", 0)])
        case .int64, .sint64, .sfixed64: return Self.int64
        case .uint64, .fixed64: return Self.uint64
        case .bool: return .object([("type", "boolean")])
        case .string: return .object([("type", "string")])
        case .bytes: return .object([("type", "string"), ("contentEncoding", "base64")])
        case .enum:
            let names = self.index.enums[field.typeName]?.values.map { JSONValue.string($0.name) } ?? []
            return .object([("type", "string"), ("enum", .array(names))])
        case .message, .group: return self.reference(field.typeName)
        default: return .object([])
        }
    }

    private mutating func messageSchema(_ name: String) -> JSONValue {
        guard let message = self.index.messages[name] else { return .object([("type", "object")]) }
        var properties: [(String, JSONValue)] = []
        for field in message.fields {
            properties.append((field.jsonName, self.schema(for: field)))
        }
        var schema: [(String, JSONValue)] = [("type", "object")]
        if !message.comment.isEmpty { schema.append(("description", .string(message.comment))) }
        schema.append(("properties", .object(properties)))
        // The gateway rejects unknown fields. (Proto field names are accepted too, but documented once.)
        schema.append(("additionalProperties", false))
        return .object(schema)
    }
}
