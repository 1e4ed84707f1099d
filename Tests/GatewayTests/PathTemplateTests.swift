import Testing

@testable import Gateway

@Suite("Path templates")
struct PathTemplateTests {
    struct MatchCase: Sendable, CustomTestStringConvertible {
        var template: String
        var path: String
        /// "field=value" pairs, or nil for no match.
        var expected: [String]?
        var testDescription: String { "\(self.template) ~ \(self.path)" }
    }

    static let matches: [MatchCase] = [
        .init(template: "/v1/echo:echo", path: "/v1/echo:echo", expected: []),
        .init(template: "/v1/echo:echo", path: "/v1/echo", expected: nil),
        .init(template: "/v1/echo", path: "/v1/echo:echo", expected: nil),
        .init(template: "/v1/{name}", path: "/v1/abc", expected: ["name=abc"]),
        .init(template: "/v1/{name}", path: "/v1/a/b", expected: nil),
        .init(
            template: "/v1/{name=sites/*/zones/*}",
            path: "/v1/sites/s1/zones/z2",
            expected: ["name=sites/s1/zones/z2"]
        ),
        .init(template: "/v1/{name=sites/*/zones/*}", path: "/v1/sites/s1/zones", expected: nil),
        .init(template: "/v1/{name=sites/*/zones/*}", path: "/v1/lots/s1/zones/z2", expected: nil),
        .init(
            template: "/v1/{name=sites/*/zones/*}:abort",
            path: "/v1/sites/a/zones/b:abort",
            expected: ["name=sites/a/zones/b"]
        ),
        .init(template: "/v1/{name=sites/*/zones/*}:abort", path: "/v1/sites/a/zones/b:start", expected: nil),
        .init(template: "/v1/{site.name}/x", path: "/v1/s%20one/x", expected: ["site.name=s one"]),
        .init(template: "/v1/{name}", path: "/v1/a%2Fb", expected: ["name=a/b"]),
        .init(template: "/v1/{name=files/**}", path: "/v1/files/a/b/c", expected: ["name=files/a/b/c"]),
        .init(template: "/v1/{name=files/**}", path: "/v1/files", expected: ["name=files"]),
        .init(template: "/v1/{name=files/**}", path: "/v1/files/a%2Fb/%C3%A9", expected: ["name=files/a%2Fb/é"]),
        .init(template: "/v1/*/items", path: "/v1/x/items", expected: []),
        .init(template: "/v1/**", path: "/v1/x/y/z", expected: []),
        .init(template: "/v1/{a}/{b}", path: "/v1/1/2", expected: ["a=1", "b=2"]),
        .init(template: "/v1/tasks/{id}/start", path: "/v1/tasks/42/start", expected: ["id=42"]),
        .init(template: "/v1/echo", path: "/v1/%65cho", expected: []),
    ]

    @Test("matching", arguments: Self.matches)
    func matching(_ testCase: MatchCase) throws {
        let template = try PathTemplate(testCase.template)
        let split = RequestPath.split(testCase.path[...])
        let result: [(fieldPath: [String], value: String)]?
        if template.verb != nil {
            result = split.verbSplit.flatMap { template.match(segments: $0.segments, verb: $0.verb) }
        } else {
            result = template.match(segments: split.segments, verb: nil)
        }
        #expect(result?.map { $0.fieldPath.joined(separator: ".") + "=" + $0.value } == testCase.expected)
    }

    @Test(
        "invalid templates name the problem",
        arguments: [
            ("v1/echo", "must start with '/'"),
            ("/v1/{name", "unbalanced"),
            ("/v1/{a={b}}", "nested"),
            ("/v1/**/x", "'**' must be the last segment"),
            ("/v1/{9x}", "is not a field path"),
            ("/v1/{a}/{a}", "bound twice"),
            ("/v1//x", "is not a valid segment"),
            ("/v1/x:", "is not a literal"),
            ("/v1/x{a}", "'x{a}' is not a valid segment"),
        ]
    )
    func invalid(_ text: String, _ reason: String) {
        #expect {
            try PathTemplate(text)
        } throws: { error in
            "\(error)".contains(reason) && "\(error)".contains(text)
        }
    }

    @Test("precedence orders literals before * before ** and verbs first")
    func precedence() throws {
        let literal = try PathTemplate("/v1/kinds/x").precedence
        let wildcard = try PathTemplate("/v1/kinds/{id}").precedence
        let deep = try PathTemplate("/v1/kinds/{id=**}").precedence
        let verb = try PathTemplate("/v1/kinds/x:go").precedence
        #expect(literal.lexicographicallyPrecedes(wildcard))
        #expect(wildcard.lexicographicallyPrecedes(deep))
        #expect(verb.lexicographicallyPrecedes(literal))
    }

    @Test("percent-decoding keeps invalid escapes and %2F in multi-segment values")
    func percentDecoding() {
        #expect(PercentDecoding.decode("a%20b%zz%4") == "a b%zz%4")
        #expect(PercentDecoding.decode("a%2Fb", keepingSlashes: true) == "a%2Fb")
        #expect(PercentDecoding.decode("a+b", plusAsSpace: true) == "a b")
        #expect(PercentDecoding.decode("a+b") == "a+b")
    }
}
