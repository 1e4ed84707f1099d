/// A parsed `google.api.http` path template, like `/v1/{name=sites/*/zones/*}:abort`.
///
/// Grammar (google/api/http.proto):
/// ```
/// Template = "/" Segments [ Verb ] ;
/// Segments = Segment { "/" Segment } ;
/// Segment  = "*" | "**" | LITERAL | Variable ;
/// Variable = "{" FieldPath [ "=" Segments ] "}" ;
/// FieldPath = IDENT { "." IDENT } ;
/// Verb     = ":" LITERAL ;
/// ```
/// `{field}` is short for `{field=*}`; `**` (zero or more segments) may only be the last segment.
public struct PathTemplate: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case literal(String)
        /// `*`: exactly one segment.
        case wildcard
        /// `**`: zero or more segments; only last.
        case deepWildcard

        /// Orders segments for precedence: literals before `*` before `**`.
        var rank: Int {
            switch self {
            case .literal: return 0
            case .wildcard: return 1
            case .deepWildcard: return 2
            }
        }
    }

    /// A field bound to the segments `segments` (half-open indices into ``segments``).
    public struct Variable: Sendable, Hashable {
        public var fieldPath: [String]
        public var segments: Range<Int>
    }

    public let text: String
    public let segments: [Segment]
    public let variables: [Variable]
    public let verb: String?

    public var description: String { self.text }

    /// Parses `text`, throwing a `PathTemplateError` that says what is wrong and where.
    public init(_ text: String) throws(PathTemplateError) {
        self.text = text
        guard text.first == "/" else { throw PathTemplateError(template: text, reason: "must start with '/'") }
        let body = text.dropFirst()

        // The verb is a ':' after the last '/', outside braces.
        var depth = 0
        var verbStart: String.Index?
        for index in body.indices {
            switch body[index] {
            case "{": depth += 1
            case "}": depth -= 1
            case "/" where depth == 0: verbStart = nil
            case ":" where depth == 0: verbStart = index
            default: break
            }
            guard (0...1).contains(depth) else {
                throw PathTemplateError(template: text, reason: "unbalanced or nested braces")
            }
        }
        guard depth == 0 else { throw PathTemplateError(template: text, reason: "unbalanced braces") }
        var path = body[...]
        if let verbStart {
            let verb = String(body[body.index(after: verbStart)...])
            guard Self.isLiteral(verb) else {
                throw PathTemplateError(template: text, reason: "verb '\(verb)' is not a literal")
            }
            self.verb = verb
            path = body[..<verbStart]
        } else {
            self.verb = nil
        }

        var segments: [Segment] = []
        var variables: [Variable] = []
        for token in Self.splitOutsideBraces(path) {
            if token.first == "{" {
                guard token.last == "}" else {
                    throw PathTemplateError(template: text, reason: "variable '\(token)' must be a whole segment")
                }
                let inner = token.dropFirst().dropLast()
                let parts = inner.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let fieldPath = parts[0].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                guard fieldPath.allSatisfy(Self.isIdentifier) else {
                    throw PathTemplateError(template: text, reason: "'\(parts[0])' is not a field path")
                }
                guard !variables.contains(where: { $0.fieldPath == fieldPath }) else {
                    throw PathTemplateError(template: text, reason: "field '\(parts[0])' is bound twice")
                }
                let start = segments.count
                if parts.count == 2 {
                    for sub in parts[1].split(separator: "/", omittingEmptySubsequences: false) {
                        guard sub.first != "{" else {
                            throw PathTemplateError(template: text, reason: "variables cannot nest")
                        }
                        segments.append(try Self.segment(sub, template: text))
                    }
                } else {
                    segments.append(.wildcard)
                }
                variables.append(Variable(fieldPath: fieldPath, segments: start..<segments.count))
            } else {
                segments.append(try Self.segment(token, template: text))
            }
        }
        if let deep = segments.firstIndex(of: .deepWildcard), deep != segments.count - 1 {
            throw PathTemplateError(template: text, reason: "'**' must be the last segment")
        }
        self.segments = segments
        self.variables = variables
    }

    private static func segment(_ token: Substring, template: String) throws(PathTemplateError) -> Segment {
        switch token {
        case "*": return .wildcard
        case "**": return .deepWildcard
        default:
            guard self.isLiteral(token) else {
                throw PathTemplateError(template: template, reason: "'\(token)' is not a valid segment")
            }
            return .literal(String(token))
        }
    }

    private static func splitOutsideBraces(_ path: Substring) -> [Substring] {
        var tokens: [Substring] = []
        var start = path.startIndex
        var depth = 0
        for index in path.indices {
            switch path[index] {
            case "{": depth += 1
            case "}": depth -= 1
            case "/" where depth == 0:
                tokens.append(path[start..<index])
                start = path.index(after: index)
            default: break
            }
        }
        tokens.append(path[start...])
        return tokens
    }

    static func isIdentifier(_ text: some StringProtocol) -> Bool {
        guard let first = text.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy {
            $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        }
    }

    static func isLiteral(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && !text.contains(where: { "{}*=:/?#[] ".contains($0) })
    }
}

/// A path template that cannot be used, with the reason.
public struct PathTemplateError: Error, Hashable, Sendable, CustomStringConvertible {
    public var template: String
    public var reason: String
    public var description: String { "path template '\(self.template)': \(self.reason)" }
}
