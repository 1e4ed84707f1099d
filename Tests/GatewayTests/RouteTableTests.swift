import API
import GRPCCore
import SwiftProtobuf
import Testing

@testable import Gateway

@Suite("Route table")
struct RouteTableTests {
    /// The embedded descriptor set plus a `harvestry.testing.v1.RuleService` whose methods carry `rules`.
    static func index(_ rules: [(String, Google_Api_HttpRule)]) throws -> DescriptorIndex {
        var set = try Google_Protobuf_FileDescriptorSet(serializedBytes: DescriptorSet.bytes)
        var file = Google_Protobuf_FileDescriptorProto()
        file.name = "harvestry/testing/v1/rules.proto"
        file.package = "harvestry.testing.v1"
        file.syntax = "proto3"
        file.dependency = ["harvestry/testing/v1/transcoding_test_service.proto", "google/api/annotations.proto"]
        var service = Google_Protobuf_ServiceDescriptorProto()
        service.name = "RuleService"
        for (name, rule) in rules {
            var method = Google_Protobuf_MethodDescriptorProto()
            method.name = name
            method.inputType = ".harvestry.testing.v1.UpdateResourceRequest"
            method.outputType = ".harvestry.testing.v1.Resource"
            var options = Google_Protobuf_MethodOptions()
            options.Google_Api_http = rule
            method.options = options
            service.method.append(method)
        }
        file.service = [service]
        set.file.append(file)
        return try DescriptorIndex(descriptorSetBytes: try set.serializedBytes())
    }

    static func rule(
        get: String? = nil,
        post: String? = nil,
        body: String = "",
        responseBody: String = "",
        additional: [Google_Api_HttpRule] = []
    ) -> Google_Api_HttpRule {
        var rule = Google_Api_HttpRule()
        if let get { rule.get = get }
        if let post { rule.post = post }
        rule.body = body
        rule.responseBody = responseBody
        rule.additionalBindings = additional
        return rule
    }

    static func table(_ rules: [(String, Google_Api_HttpRule)]) throws -> RouteTable {
        try RouteTable(index: try Self.index(rules)) { $0 == "harvestry.testing.v1.RuleService" }
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var name: String
        var rules: [(String, Google_Api_HttpRule)]
        var code: RouteTableError.Code
        var fragment: String
        var testDescription: String { self.name }
    }

    static let invalid: [InvalidCase] = {
        var custom = Google_Api_HttpRule()
        custom.custom.kind = "GE T"
        custom.custom.path = "/v1/x"
        var nested = Self.rule(get: "/v1/a")
        nested.additionalBindings = [Self.rule(get: "/v1/b", additional: [Self.rule(get: "/v1/c")])]
        return [
            .init(
                name: "GET with a body",
                rules: [("M", Self.rule(get: "/v1/x", body: "*"))],
                code: .invalidRule,
                fragment: "a GET rule cannot have a body"
            ),
            .init(
                name: "no pattern",
                rules: [("M", Google_Api_HttpRule())],
                code: .invalidRule,
                fragment: "no pattern"
            ),
            .init(name: "bad custom kind", rules: [("M", custom)], code: .invalidRule, fragment: "custom kind 'GE T'"),
            .init(
                name: "nested additional bindings",
                rules: [("M", nested)],
                code: .invalidRule,
                fragment: "cannot nest"
            ),
            .init(
                name: "bad template",
                rules: [("M", Self.rule(get: "/v1/**/x"))],
                code: .invalidTemplate,
                fragment: "'**' must be the last segment"
            ),
            .init(
                name: "unknown path field",
                rules: [("M", Self.rule(get: "/v1/{nope}"))],
                code: .unknownField,
                fragment: "has no field 'nope'"
            ),
            .init(
                name: "unknown nested path field",
                rules: [("M", Self.rule(get: "/v1/{resource.nope}"))],
                code: .unknownField,
                fragment: "has no field 'nope'"
            ),
            .init(
                name: "message path field",
                rules: [("M", Self.rule(get: "/v1/{resource}"))],
                code: .unknownField,
                fragment: "is a message"
            ),
            .init(
                name: "repeated path field",
                rules: [("M", Self.rule(get: "/v1/{update_mask.paths}"))],
                code: .unknownField,
                fragment: "is repeated"
            ),
            .init(
                name: "unknown body field",
                rules: [("M", Self.rule(post: "/v1/x", body: "nope"))],
                code: .unknownField,
                fragment: "body 'nope'"
            ),
            .init(
                name: "unknown response_body",
                rules: [("M", Self.rule(get: "/v1/x", responseBody: "nope"))],
                code: .unknownField,
                fragment: "response_body 'nope'"
            ),
            .init(
                name: "ambiguous",
                rules: [
                    ("A", Self.rule(get: "/v1/x/{resource.name}")), ("B", Self.rule(get: "/v1/x/{resource.label}")),
                ],
                code: .ambiguous,
                fragment: "matches the same paths as GET /v1/x/{resource.name} of harvestry.testing.v1.RuleService.A"
            ),
            .init(
                name: "ambiguous within additional bindings",
                rules: [("A", Self.rule(get: "/v1/y", additional: [Self.rule(get: "/v1/y")]))],
                code: .ambiguous,
                fragment: "additional_bindings[0]"
            ),
        ]
    }()

    @Test("invalid and ambiguous rules fail with a message naming the method", arguments: Self.invalid)
    func invalidRules(_ testCase: InvalidCase) throws {
        do {
            _ = try Self.table(testCase.rules)
            Issue.record("built a table from \(testCase.name)")
        } catch let error as RouteTableError {
            #expect(error.code == testCase.code)
            #expect(error.description.contains("harvestry.testing.v1.RuleService."))
            #expect(error.description.contains(testCase.fragment), "\(error.description)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("a valid rule builds, with its additional bindings")
    func validRule() throws {
        let table = try Self.table([
            (
                "M",
                Self.rule(get: "/v1/{resource.name=sites/*}", additional: [Self.rule(post: "/v1/r", body: "resource")])
            )
        ])
        #expect(table.routes.map(\.label) == ["GET /v1/{resource.name=sites/*}", "POST /v1/r"])
        #expect(table.routes.map(\.binding) == [0, 1])
    }

    @Test("the embedded descriptor set builds; the testing package is exposed only when asked")
    func embedded() throws {
        let index = try DescriptorIndex.embedded()
        let production = try RouteTable(index: index)
        #expect(production.routes.contains { $0.label == "POST /v1/echo:echo" })
        #expect(!production.routes.contains { $0.method.service.hasPrefix("harvestry.testing.") })
        let all = try RouteTable(index: index) { _ in true }
        #expect(all.routes.contains { $0.method.fullName == "harvestry.testing.v1.TranscodingTestService.GetResource" })
        #expect(all.routes.contains { $0.method.name == "CountKinds" && $0.descriptor.type == .clientStreaming })
    }

    struct LookupCase: Sendable, CustomTestStringConvertible {
        var method: String
        var path: String
        /// "Method#binding field=value ...", "405 GET,SEARCH" or "404".
        var expected: String
        var testDescription: String { "\(self.method) \(self.path)" }
    }

    static let lookups: [LookupCase] = [
        .init(method: "POST", path: "/v1/kinds:echo", expected: "EchoKinds#0"),
        .init(method: "GET", path: "/v1/kinds", expected: "EchoKinds#1"),
        .init(method: "GET", path: "/v1/kinds/a%20b/nested/n", expected: "EchoKinds#2 string_value=a b nested.name=n"),
        .init(method: "PUT", path: "/v1/kinds/42", expected: "EchoKinds#3 int64_value=42"),
        .init(method: "SEARCH", path: "/v1/kinds", expected: "EchoKinds#4"),
        .init(method: "GET", path: "/v1/kinds:stream", expected: "StreamKinds#0"),
        .init(method: "GET", path: "/v1/farms/s/beds/z", expected: "GetResource#0 name=farms/s/beds/z"),
        .init(method: "GET", path: "/v1/files/a/b", expected: "GetResource#1 name=files/a/b"),
        .init(method: "GET", path: "/v1/farms/s/beds/z/label", expected: "GetResourceLabel#0 name=farms/s/beds/z"),
        .init(method: "PATCH", path: "/v1/farms/s/beds/z", expected: "UpdateResource#0 resource.name=farms/s/beds/z"),
        .init(method: "POST", path: "/v1/farms/s/beds/z:abort", expected: "AbortResource#0 name=farms/s/beds/z"),
        .init(method: "DELETE", path: "/v1/farms/s/beds/z", expected: "DeleteResource#0 name=farms/s/beds/z"),
        .init(method: "POST", path: "/v1/echo:echo", expected: "Echo#0"),
        .init(method: "DELETE", path: "/v1/kinds", expected: "405 GET,SEARCH"),
        .init(method: "POST", path: "/v1/farms/s/beds/z", expected: "405 DELETE,GET,PATCH"),
        .init(method: "GET", path: "/v1/nothing/here", expected: "404"),
        .init(method: "GET", path: "/v1/farms/s/beds", expected: "404"),
    ]

    @Test("lookup", arguments: Self.lookups)
    func lookup(_ testCase: LookupCase) throws {
        let table = try RouteTable(index: try DescriptorIndex.embedded()) { _ in true }
        let result: String
        switch table.lookup(method: testCase.method, path: testCase.path[...]) {
        case .notFound:
            result = "404"
        case .methodNotAllowed(let allowed):
            result = "405 " + allowed.joined(separator: ",")
        case .matched(let route, let bindings):
            result =
                (["\(route.method.name)#\(route.binding)"]
                + bindings.map { $0.fieldPath.joined(separator: ".") + "=" + $0.value }).joined(separator: " ")
        }
        #expect(result == testCase.expected)
    }
}
