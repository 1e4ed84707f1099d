import SwiftProtobuf

/// HTTP request (path bindings, query string, JSON body) -> the method's request message, in binary.
///
/// The body is decoded by SwiftProtobuf's proto3 JSON decoder into the generated type (both field spellings,
/// int64 strings, enum names, RFC 3339 timestamps, well-known types; unknown fields rejected). Path and query
/// fields become a second JSON object decoded the same way; the two binary encodings are concatenated, which
/// protobuf defines as a merge, so the path's values win over the body's.
struct RequestTranscoder: Sendable {
    let index: DescriptorIndex

    func requestBytes(
        route: Route,
        bindings: [(fieldPath: [String], value: String)],
        query: Substring,
        body: [UInt8]
    ) throws(GatewayError) -> [UInt8] {
        var parameters = ParameterTree()
        for (position, binding) in bindings.enumerated() {
            try parameters.set(
                route.pathFields[position],
                value: binding.value,
                name: binding.fieldPath.joined(separator: ".")
            )
        }
        try self.addQuery(query, route: route, bindings: bindings, to: &parameters)

        if body == Array("null".utf8) {
            throw GatewayError.invalidArgument(field: "", reason: "INVALID_JSON", "the request body is null")
        }
        var bytes: [UInt8] = []
        switch route.body {
        case .none:
            break
        case .all:
            bytes = try Self.decode(route.inputType, json: body.isEmpty ? Array("{}".utf8) : body, what: "request body")
        case .field(let field):
            if !body.isEmpty {
                let wrapped = Array("{\(JSONText.quote(field.name)):".utf8) + body + [UInt8(ascii: "}")]
                bytes = try Self.decode(route.inputType, json: wrapped, what: "request body")
            }
        }
        if !parameters.isEmpty {
            bytes += try Self.decode(
                route.inputType,
                json: Array(parameters.json.utf8),
                what: "path and query parameters"
            )
        }
        return bytes
    }

    private func addQuery(
        _ query: Substring,
        route: Route,
        bindings: [(fieldPath: [String], value: String)],
        to parameters: inout ParameterTree
    ) throws(GatewayError) {
        guard !query.isEmpty else { return }
        guard let input = self.index.messages[route.method.inputType] else { return }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentDecoding.decode(parts[0], plusAsSpace: true)
            let value = parts.count == 2 ? PercentDecoding.decode(parts[1], plusAsSpace: true) : ""
            guard route.body != .all || route.queryWithBody else {
                throw GatewayError.invalidArgument(
                    field: name,
                    reason: "UNKNOWN_PARAMETER",
                    "query parameter '\(name)': \(route.label) takes every field from the body"
                )
            }
            let fields = try self.resolve(name, in: input)
            if case .field(let bodyField) = route.body, fields[0].number == bodyField.number {
                throw GatewayError.invalidArgument(
                    field: name,
                    reason: "UNKNOWN_PARAMETER",
                    "query parameter '\(name)' is part of the body field '\(bodyField.name)'"
                )
            }
            if route.pathFields.contains(where: { $0.map(\.number) == fields.map(\.number) }) {
                throw GatewayError.invalidArgument(
                    field: name,
                    reason: "UNKNOWN_PARAMETER",
                    "query parameter '\(name)' is already bound by the path"
                )
            }
            try parameters.set(fields, value: value, name: name)
        }
    }

    /// `a.b.c` (proto or JSON names) -> the fields, through singular message fields.
    private func resolve(
        _ name: String,
        in input: DescriptorIndex.Message
    ) throws(GatewayError) -> [DescriptorIndex.Field] {
        var message = input
        var fields: [DescriptorIndex.Field] = []
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        for (position, part) in parts.enumerated() {
            guard let field = message.field(named: part) else {
                throw GatewayError.invalidArgument(
                    field: name,
                    reason: "UNKNOWN_PARAMETER",
                    "unknown query parameter '\(name)': \(message.fullName) has no field '\(part)'"
                )
            }
            fields.append(field)
            if position == parts.count - 1 {
                guard ParameterTree.acceptsValue(field), self.index.messages[field.typeName]?.isMapEntry != true else {
                    throw GatewayError.invalidArgument(
                        field: name,
                        reason: "INVALID_PARAMETER",
                        "query parameter '\(name)' cannot be set from the query string; use '\(name).<field>'"
                    )
                }
            } else {
                // Well-known types have their own JSON forms; their fields cannot be addressed one by one.
                guard field.kind == .message, !field.isRepeated, !field.typeName.hasPrefix("google.protobuf."),
                    let next = self.index.messages[field.typeName], !next.isMapEntry
                else {
                    throw GatewayError.invalidArgument(
                        field: name,
                        reason: "INVALID_PARAMETER",
                        "query parameter '\(name)': '\(part)' is not a singular message field"
                    )
                }
                message = next
            }
        }
        return fields
    }

    static func decode(
        _ type: any SwiftProtobuf.Message.Type,
        json: [UInt8],
        what: String
    ) throws(GatewayError) -> [UInt8] {
        do {
            return try Self.decodeOpened(type, json: json)
        } catch let error as GatewayError {
            throw error
        } catch let error as JSONDecodingError {
            if case .unknownField(let name) = error {
                throw GatewayError.invalidArgument(
                    field: name,
                    reason: "UNKNOWN_FIELD",
                    "\(what): unknown field '\(name)' in \(type.protoMessageName)"
                )
            }
            throw GatewayError.invalidArgument(
                field: "",
                reason: "INVALID_JSON",
                "\(what) is not valid JSON for \(type.protoMessageName): \(error)"
            )
        } catch {
            throw GatewayError.invalidArgument(
                field: "",
                reason: "INVALID_JSON",
                "\(what) is not valid JSON for \(type.protoMessageName): \(error)"
            )
        }
    }

    private static func decodeOpened<M: SwiftProtobuf.Message>(_ type: M.Type, json: [UInt8]) throws -> [UInt8] {
        let message = try M(jsonUTF8Bytes: json)
        if let problem = DecodedRequestCheck.problem(in: message) {
            throw GatewayError.invalidArgument(field: "", reason: "INVALID_JSON", problem)
        }
        return try message.serializedBytes()
    }
}
