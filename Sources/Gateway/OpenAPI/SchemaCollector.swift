import SwiftProtobuf

/// JSON Schemas (OpenAPI 3.1) of proto3 JSON values, collecting every message schema it refers to.
struct SchemaCollector {
    let index: DescriptorIndex
    var components: [(String, JSONValue)] = []
    private var seen: Set<String> = []

    init(index: DescriptorIndex) { self.index = index }

    static let int64: JSONValue = .object([
        ("type", ["string", "integer"]), ("format", "int64"), ("pattern", .string(Self.int64Pattern)),
        ("minimum", .int(Int(Int64.min))), ("maximum", .int(Int(Int64.max))),
    ])
    static let uint64: JSONValue = .object([
        ("type", ["string", "integer"]), ("format", "uint64"), ("pattern", .string(Self.uint64Pattern)), ("minimum", 0),
        ("maximum", .number(String(UInt64.max))),
    ])

    /// Decimal text of exactly the 64-bit range, no leading zeros: what proto3 JSON accepts as a quoted integer.
    static let int64Pattern =
        "^(0|-?" + Self.positive(upTo: String(Int64.max)) + "|-9223372036854775808)$"
    static let uint64Pattern = "^(0|" + Self.positive(upTo: String(UInt64.max)) + ")$"

    /// A regex alternative for the integers 1...max (max as decimal digits), without leading zeros.
    static func positive(upTo max: String) -> String {
        let digits = max.map { Int(String($0))! }
        var alternatives = ["[1-9][0-9]{0,\(digits.count - 2)}"]
        for position in digits.indices {
            let low = position == 0 ? 1 : 0
            let high = digits[position] - 1
            guard high >= low else { continue }
            let prefix = digits[..<position].map(String.init).joined()
            let rest = digits.count - 1 - position
            alternatives.append(prefix + "[\(low)-\(high)]" + (rest > 0 ? "[0-9]{\(rest)}" : ""))
        }
        alternatives.append(max)
        return "(" + alternatives.joined(separator: "|") + ")"
    }

    /// A JSON FieldMask: comma-separated lowerCamelCase paths.
    static let fieldMaskPattern =
        "^([a-z][a-zA-Z0-9]*(\\.[a-z][a-zA-Z0-9]*)*(,[a-z][a-zA-Z0-9]*(\\.[a-z][a-zA-Z0-9]*)*)*)?$"

    /// Standard base64 with padding, as proto3 JSON writes bytes.
    static let base64: JSONValue = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"

    /// Well-known types have their own JSON forms.
    static let wellKnown: [String: JSONValue] = [
        "google.protobuf.Timestamp": .object([("type", "string"), ("format", "date-time")]),
        "google.protobuf.Duration": .object([("type", "string"), ("pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$")]),
        "google.protobuf.FieldMask": .object([("type", "string"), ("pattern", .string(Self.fieldMaskPattern))]),
        "google.protobuf.Empty": .object([("type", "object"), ("additionalProperties", false)]),
        "google.protobuf.Struct": .object([("type", "object")]),
        "google.protobuf.Value": .object([]),
        "google.protobuf.ListValue": .object([("type", "array")]),
        "google.protobuf.Any": .object([
            ("type", "object"), ("properties", .object([("@type", .object([("type", "string")]))])),
        ]),
        "google.protobuf.StringValue": .object([("type", ["string", "null"])]),
        "google.protobuf.BytesValue": .object([
            ("type", ["string", "null"]), ("contentEncoding", "base64"), ("pattern", Self.base64),
        ]),
        "google.protobuf.BoolValue": .object([("type", ["boolean", "null"])]),
        "google.protobuf.Int32Value": .object([
            ("type", ["integer", "null"]), ("format", "int32"), ("minimum", .int(Int(Int32.min))),
            ("maximum", .int(Int(Int32.max))),
        ]),
        "google.protobuf.UInt32Value": .object([
            ("type", ["integer", "null"]), ("format", "uint32"), ("minimum", 0), ("maximum", .int(Int(UInt32.max))),
        ]),
        "google.protobuf.Int64Value": .object([
            ("type", ["string", "integer", "null"]), ("format", "int64"), ("pattern", .string(Self.int64Pattern)),
            ("minimum", .int(Int(Int64.min))), ("maximum", .int(Int(Int64.max))),
        ]),
        "google.protobuf.UInt64Value": .object([
            ("type", ["string", "integer", "null"]), ("format", "uint64"), ("pattern", .string(Self.uint64Pattern)),
            ("minimum", 0), ("maximum", .number(String(UInt64.max))),
        ]),
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
            var members: [(String, JSONValue)] = [("type", "object")]
            if let key = entry.fields.first(where: { $0.number == 1 }), let pattern = Self.mapKeyPattern(key.kind) {
                members.append(("propertyNames", .object([("pattern", .string(pattern))])))
            }
            members.append(("additionalProperties", self.singular(value)))
            return .object(members)
        }
        let single = self.singular(field)
        return field.isRepeated ? .object([("type", "array"), ("items", single)]) : single
    }

    private mutating func singular(_ field: DescriptorIndex.Field) -> JSONValue {
        switch field.kind {
        case .double: return .object([("type", "number")])
        case .float:
            // Float.greatestFiniteMagnitude as proto3 JSON prints it (its shortest float form, above the exact double).
            let limit = "3.4028235e+38"
            return .object([("type", "number"), ("minimum", .number("-" + limit)), ("maximum", .number(limit))])
        case .int32, .sint32, .sfixed32:
            return .object([
                ("type", "integer"), ("format", "int32"), ("minimum", .int(Int(Int32.min))),
                ("maximum", .int(Int(Int32.max))),
            ])
        case .uint32, .fixed32:
            return .object([
                ("type", "integer"), ("format", "uint32"), ("minimum", 0), ("maximum", .int(Int(UInt32.max))),
            ])
        case .int64, .sint64, .sfixed64: return Self.int64
        case .uint64, .fixed64: return Self.uint64
        case .bool: return .object([("type", "boolean")])
        case .string: return .object([("type", "string")])
        case .bytes: return .object([("type", "string"), ("contentEncoding", "base64"), ("pattern", Self.base64)])
        case .enum:
            // By name; numbers are accepted, and a value this build does not know comes back as its number.
            let names = self.index.enums[field.typeName]?.values.map { JSONValue.string($0.name) } ?? []
            return .object([
                (
                    "anyOf",
                    [
                        .object([("type", "string"), ("enum", .array(names))]),
                        .object([
                            ("type", "integer"), ("minimum", .int(Int(Int32.min))), ("maximum", .int(Int(Int32.max))),
                        ]),
                    ]
                )
            ])
        case .message, .group: return self.reference(field.typeName)
        default: return .object([])
        }
    }

    /// proto3 JSON accepts `null` for any field (its default); responses never contain it.
    static func nullable(_ schema: JSONValue) -> JSONValue {
        guard case .object(var members) = schema, !members.isEmpty else { return schema }
        if let index = members.firstIndex(where: { $0.0 == "anyOf" }), case .array(var options) = members[index].1 {
            options.append(.object([("type", "null")]))
            members[index].1 = .array(options)
            return .object(members)
        }
        if members.contains(where: { $0.0 == "$ref" }) {
            return .object([("anyOf", [schema, .object([("type", "null")])])])
        }
        for index in members.indices {
            switch members[index] {
            case ("type", .string(let type)): members[index].1 = [.string(type), "null"]
            case ("type", .array(var types))
            where !types.contains(where: { if case .string("null") = $0 { return true } else { return false } }):
                types.append("null")
                members[index].1 = .array(types)
            case ("enum", .array(var values)):
                values.append(.null)
                members[index].1 = .array(values)
            default: break
            }
        }
        return .object(members)
    }

    /// Map keys are JSON strings; integer and boolean keys have their text form.
    static func mapKeyPattern(_ kind: DescriptorIndex.Field.Kind) -> String? {
        switch kind {
        case .int32, .sint32, .sfixed32: return "^-?[0-9]{1,9}$"
        case .int64, .sint64, .sfixed64: return "^-?[0-9]{1,18}$"
        case .uint32, .fixed32: return "^[0-9]{1,9}$"
        case .uint64, .fixed64: return "^[0-9]{1,19}$"
        case .bool: return "^(true|false)$"
        default: return nil
        }
    }

    private mutating func messageSchema(_ name: String) -> JSONValue {
        guard let message = self.index.messages[name] else { return .object([("type", "object")]) }
        var properties: [(String, JSONValue)] = []
        for field in message.fields {
            properties.append((field.jsonName, Self.nullable(self.schema(for: field))))
        }
        var schema: [(String, JSONValue)] = [("type", "object")]
        if !message.comment.isEmpty { schema.append(("description", .string(message.comment))) }
        schema.append(("properties", .object(properties)))
        // Two members of one oneof may not both be set (null counts as unset).
        var exclusions: [JSONValue] = []
        for oneofIndex in message.oneofNames.indices {
            let members = message.fields.filter { $0.oneofIndex == Int32(oneofIndex) }.map(\.jsonName)
            for (position, first) in members.enumerated() {
                for second in members[(position + 1)...] {
                    let notNull: JSONValue = .object([("not", .object([("type", "null")]))])
                    exclusions.append(
                        .object([
                            (
                                "not",
                                .object([
                                    ("required", [.string(first), .string(second)]),
                                    ("properties", .object([(first, notNull), (second, notNull)])),
                                ])
                            )
                        ])
                    )
                }
            }
        }
        if !exclusions.isEmpty { schema.append(("allOf", .array(exclusions))) }
        // The gateway rejects unknown fields. (Proto field names are accepted too, but documented once.)
        schema.append(("additionalProperties", false))
        return .object(schema)
    }
}
