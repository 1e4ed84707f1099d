import API
import GRPCCore
import SwiftProtobuf

/// Every HTTP binding of the exposed methods, built once at start from the descriptor set, never by hand.
///
/// Lookup tries the routes of the request's HTTP method in precedence order (literal segments before `*` before
/// `**`, segment by segment; a verb before none) and takes the first match; building fails on a rule that is
/// invalid or matches the same paths as another one.
public struct RouteTable: Sendable {
    public enum Lookup: Sendable {
        case matched(Route, bindings: [(fieldPath: [String], value: String)])
        /// The path matches routes of other HTTP methods only.
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    public let routes: [Route]
    private let byMethod: [String: [Route]]

    /// Builds the table from `index`, for the services `exposes` accepts.
    public init(
        index: DescriptorIndex,
        messageTypes: [String: any SwiftProtobuf.Message.Type] = MessageTypes.byName,
        exposes: (String) -> Bool = RouteTable.defaultExposure
    ) throws(RouteTableError) {
        var routes: [Route] = []
        for method in index.methods where exposes(method.service) {
            guard let rule = method.rule else { continue }
            let builder = RouteBuilder(index: index, messageTypes: messageTypes, method: method)
            routes.append(try builder.route(rule, binding: 0))
            for (offset, additional) in rule.additionalBindings.enumerated() {
                guard additional.additionalBindings.isEmpty else {
                    throw builder.error(.invalidRule, offset + 1, "additional bindings cannot nest")
                }
                routes.append(try builder.route(additional, binding: offset + 1))
            }
        }
        var seen: [String: Route] = [:]
        for route in routes {
            let key = route.httpMethod + " " + route.template.shape
            if let other = seen[key] {
                throw RouteTableError(
                    code: .ambiguous,
                    method: route.method.fullName,
                    binding: route.binding,
                    message: "\(route.label) matches the same paths as \(other.label) of \(other.method.fullName)"
                )
            }
            seen[key] = route
        }
        self.routes = routes
        self.byMethod = Dictionary(grouping: routes, by: \.httpMethod).mapValues { routes in
            routes.sorted { $0.template.precedence.lexicographicallyPrecedes($1.template.precedence) }
        }
    }

    /// Packages generated into API whose services no Harvestry process serves: the test-only `harvestry.testing`.
    /// A contract generated before its handlers goes here until its service is registered in `HarvestryServer`;
    /// reflection lists the same services as the gateway.
    public static let unservedPackages = ["harvestry.testing."]

    /// Exposes every service except those of `unservedPackages`.
    public static let defaultExposure: @Sendable (String) -> Bool = { service in
        !RouteTable.unservedPackages.contains { service.hasPrefix($0) }
    }

    /// Finds the route for `method` and the raw (still percent-encoded) `path`.
    public func lookup(method: String, path: Substring) -> Lookup {
        let split = RequestPath.split(path)
        if let routes = self.byMethod[method], let found = Self.first(in: routes, split) {
            return found
        }
        let allowed = self.byMethod.keys.sorted().filter { other in
            other != method && Self.first(in: self.byMethod[other]!, split) != nil
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    private static func first(
        in routes: [Route],
        _ split: (segments: [Substring], verbSplit: (segments: [Substring], verb: Substring)?)
    ) -> Lookup? {
        for route in routes {
            let bindings: [(fieldPath: [String], value: String)]?
            if route.template.verb != nil {
                guard let verbSplit = split.verbSplit else { continue }
                bindings = route.template.match(segments: verbSplit.segments, verb: verbSplit.verb)
            } else {
                bindings = route.template.match(segments: split.segments, verb: nil)
            }
            if let bindings { return .matched(route, bindings: bindings) }
        }
        return nil
    }
}

/// Validates one method's rules and turns them into routes.
private struct RouteBuilder {
    let index: DescriptorIndex
    let messageTypes: [String: any SwiftProtobuf.Message.Type]
    let method: DescriptorIndex.Method

    func error(_ code: RouteTableError.Code, _ binding: Int, _ message: String) -> RouteTableError {
        RouteTableError(code: code, method: self.method.fullName, binding: binding, message: message)
    }

    func route(_ rule: Google_Api_HttpRule, binding: Int) throws(RouteTableError) -> Route {
        let httpMethod: String
        let path: String
        switch rule.pattern {
        case .get(let value): (httpMethod, path) = ("GET", value)
        case .put(let value): (httpMethod, path) = ("PUT", value)
        case .post(let value): (httpMethod, path) = ("POST", value)
        case .delete(let value): (httpMethod, path) = ("DELETE", value)
        case .patch(let value): (httpMethod, path) = ("PATCH", value)
        case .custom(let custom):
            guard PathTemplate.isLiteral(custom.kind), custom.kind.allSatisfy({ $0.isLetter }) else {
                throw self.error(.invalidRule, binding, "custom kind '\(custom.kind)' is not an HTTP method name")
            }
            (httpMethod, path) = (custom.kind.uppercased(), custom.path)
        case nil:
            throw self.error(.invalidRule, binding, "no pattern: set one of get, put, post, delete, patch, custom")
        }
        let template: PathTemplate
        do {
            template = try PathTemplate(path)
        } catch {
            throw self.error(.invalidTemplate, binding, error.description)
        }
        guard let input = self.index.messages[self.method.inputType],
            let inputType = self.messageTypes[self.method.inputType]
        else {
            throw self.error(.missingType, binding, "no generated type for \(self.method.inputType)")
        }
        guard let output = self.index.messages[self.method.outputType],
            let outputType = self.messageTypes[self.method.outputType]
        else {
            throw self.error(.missingType, binding, "no generated type for \(self.method.outputType)")
        }

        var pathFields: [[DescriptorIndex.Field]] = []
        for variable in template.variables {
            pathFields.append(try self.resolvePathField(variable.fieldPath, in: input, binding: binding))
        }

        let body: Route.Body
        switch rule.body {
        case "": body = .none
        case "*": body = .all
        case let name:
            guard let field = input.field(named: name), field.name == name else {
                throw self.error(.unknownField, binding, "body '\(name)' is not a field of \(input.fullName)")
            }
            body = .field(field)
        }
        if body != .none && httpMethod == "GET" {
            throw self.error(.invalidRule, binding, "a GET rule cannot have a body")
        }

        var responseBody: DescriptorIndex.Field?
        if !rule.responseBody.isEmpty {
            guard let field = output.field(named: rule.responseBody), field.name == rule.responseBody else {
                throw self.error(
                    .unknownField,
                    binding,
                    "response_body '\(rule.responseBody)' is not a field of \(output.fullName)"
                )
            }
            responseBody = field
        }

        if self.method.clientStreaming && (httpMethod != "GET" || body != .none) {
            throw self.error(
                .invalidRule,
                binding,
                "a client or bidirectional stream is served over WebSocket: its rule must be a GET without a body"
            )
        }
        let type: MethodDescriptor.RPCType =
            switch (self.method.clientStreaming, self.method.serverStreaming) {
            case (false, false): .unary
            case (false, true): .serverStreaming
            case (true, false): .clientStreaming
            case (true, true): .bidirectionalStreaming
            }
        return Route(
            httpMethod: httpMethod,
            template: template,
            method: self.method,
            body: body,
            responseBody: responseBody,
            binding: binding,
            pathFields: pathFields,
            descriptor: MethodDescriptor(
                fullyQualifiedService: self.method.service,
                method: self.method.name,
                type: type
            ),
            inputType: inputType,
            outputType: outputType
        )
    }

    /// A path variable must name a singular scalar field, through singular message fields.
    private func resolvePathField(
        _ path: [String],
        in input: DescriptorIndex.Message,
        binding: Int
    ) throws(RouteTableError) -> [DescriptorIndex.Field] {
        var message = input
        var fields: [DescriptorIndex.Field] = []
        for (position, name) in path.enumerated() {
            let dotted = path.joined(separator: ".")
            guard let field = message.field(named: name), field.name == name else {
                throw self.error(
                    .unknownField,
                    binding,
                    "path field '\(dotted)': \(message.fullName) has no field '\(name)'"
                )
            }
            guard !field.isRepeated else {
                throw self.error(.unknownField, binding, "path field '\(dotted)': '\(name)' is repeated")
            }
            fields.append(field)
            if position < path.count - 1 {
                guard field.kind == .message, let next = self.index.messages[field.typeName] else {
                    throw self.error(.unknownField, binding, "path field '\(dotted)': '\(name)' is not a message")
                }
                message = next
            } else if field.kind == .message || field.kind == .group {
                throw self.error(.unknownField, binding, "path field '\(dotted)' is a message, not a scalar")
            }
        }
        return fields
    }
}
