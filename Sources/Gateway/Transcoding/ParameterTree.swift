import SwiftProtobuf

/// The request fields bound by the path and the query string, as a JSON object for SwiftProtobuf to decode.
///
/// Values are rendered by the field's kind, after checking them so that a bad one is reported with its field:
/// integers and floats as JSON strings (proto3 JSON accepts quoted numbers), booleans as literals, enums by name
/// (or number), `Timestamp`, `Duration` and `FieldMask` in their string forms, wrappers as their value.
struct ParameterTree {
    private indirect enum Node {
        case object([Entry])
        case values([String], repeated: Bool)
    }

    private typealias Entry = (name: String, node: Node, oneof: Int32?)
    private var root: [Entry] = []
    var isEmpty: Bool { self.root.isEmpty }

    /// Sets `value` at `fields` (resolved, outermost first); `name` is how the client spelled it, for errors.
    mutating func set(_ fields: [DescriptorIndex.Field], value: String, name: String) throws(GatewayError) {
        let literal = try Self.literal(value, for: fields[fields.count - 1], name: name)
        try Self.insert(&self.root, path: fields[...], literal: literal, name: name)
    }

    private static func insert(
        _ object: inout [Entry],
        path: ArraySlice<DescriptorIndex.Field>,
        literal: String,
        name: String
    ) throws(GatewayError) {
        let field = path[path.startIndex]
        if let oneof = field.oneofIndex {
            // Another member of the same oneof given earlier: the later one wins, as in a protobuf merge.
            object.removeAll { $0.oneof == oneof && $0.name != field.name }
        }
        let existing = object.firstIndex { $0.name == field.name }
        if path.count == 1 {
            if let existing {
                guard case .values(var values, repeated: true) = object[existing].node else {
                    throw GatewayError.invalidArgument(
                        field: name,
                        reason: "DUPLICATE_PARAMETER",
                        "'\(name)' is given more than once but is not repeated"
                    )
                }
                values.append(literal)
                object[existing].node = .values(values, repeated: true)
            } else {
                object.append((field.name, .values([literal], repeated: field.isRepeated), field.oneofIndex))
            }
            return
        }
        var child: [Entry] = []
        if let existing, case .object(let children) = object[existing].node { child = children }
        try Self.insert(&child, path: path.dropFirst(), literal: literal, name: name)
        if let existing {
            object[existing].node = .object(child)
        } else {
            object.append((field.name, .object(child), field.oneofIndex))
        }
    }

    /// The JSON object text.
    var json: String { Self.render(self.root) }

    private static func render(_ object: [Entry]) -> String {
        "{" + object.map { JSONText.quote($0.name) + ":" + Self.render($0.node) }.joined(separator: ",") + "}"
    }

    private static func render(_ node: Node) -> String {
        switch node {
        case .object(let children): return Self.render(children)
        case .values(let values, repeated: true): return "[" + values.joined(separator: ",") + "]"
        case .values(let values, repeated: false): return values[0]
        }
    }

    /// Message types that a single string parameter can set, with the scalar kind they take.
    static let stringMessages: [String: DescriptorIndex.Field.Kind] = [
        "google.protobuf.Timestamp": .string, "google.protobuf.Duration": .string,
        "google.protobuf.FieldMask": .string, "google.protobuf.StringValue": .string,
        "google.protobuf.BytesValue": .bytes, "google.protobuf.BoolValue": .bool,
        "google.protobuf.Int32Value": .int32, "google.protobuf.UInt32Value": .uint32,
        "google.protobuf.Int64Value": .int64, "google.protobuf.UInt64Value": .uint64,
        "google.protobuf.FloatValue": .float, "google.protobuf.DoubleValue": .double,
    ]

    /// Whether a parameter can set `field` directly (a scalar, enum, or a message with a string form).
    static func acceptsValue(_ field: DescriptorIndex.Field) -> Bool {
        field.kind != .message && field.kind != .group || Self.stringMessages[field.typeName] != nil
    }

    private static func literal(
        _ value: String,
        for field: DescriptorIndex.Field,
        name: String
    ) throws(GatewayError) -> String {
        var kind = field.kind
        if kind == .message {
            guard let scalar = Self.stringMessages[field.typeName] else {
                throw GatewayError.invalidArgument(
                    field: name,
                    reason: "INVALID_PARAMETER",
                    "'\(name)' is a message (\(field.typeName)); set its fields as '\(name).<field>'"
                )
            }
            kind = scalar
        }
        func bad(_ expected: String) -> GatewayError {
            GatewayError.invalidArgument(
                field: name,
                reason: "INVALID_PARAMETER",
                "'\(name)': '\(value)' is not \(expected)"
            )
        }
        // Numbers are re-printed canonically (no leading zeros or '+'), then quoted: proto3 JSON reads quoted numbers.
        switch kind {
        case .bool:
            switch value {
            case "true", "1": return "true"
            case "false", "0": return "false"
            default: throw bad("a boolean (true or false)")
            }
        case .int32, .sint32, .sfixed32:
            guard let number = Int32(value) else { throw bad("a 32-bit integer") }
            return JSONText.quote(String(number))
        case .int64, .sint64, .sfixed64:
            guard let number = Int64(value) else { throw bad("a 64-bit integer") }
            return JSONText.quote(String(number))
        case .uint32, .fixed32:
            guard let number = UInt32(value) else { throw bad("an unsigned 32-bit integer") }
            return JSONText.quote(String(number))
        case .uint64, .fixed64:
            guard let number = UInt64(value) else { throw bad("an unsigned 64-bit integer") }
            return JSONText.quote(String(number))
        case .float, .double:
            if ["NaN", "Infinity", "-Infinity"].contains(value) { return JSONText.quote(value) }
            guard let number = Double(value), number.isFinite,
                kind == .double || abs(number) <= Double(Float.greatestFiniteMagnitude)
            else { throw bad(kind == .float ? "a 32-bit float" : "a number") }
            return JSONText.quote(String(number))
        case .enum:
            if let number = Int32(value) { return String(number) }
        default:
            break
        }
        return JSONText.quote(value)
    }
}
