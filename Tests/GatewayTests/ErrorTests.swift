import Foundation
import GRPCCore
import Testing

@testable import Gateway

@Suite("Errors as google.rpc.Status JSON")
struct ErrorTests {
    struct CodeCase: Sendable, CustomTestStringConvertible {
        var number: Int32
        var name: String
        var http: Int
        var testDescription: String { self.name }
    }

    /// The canonical table (google.rpc.Code's HTTP mapping), written out rather than computed.
    static let table: [CodeCase] = [
        .init(number: 1, name: "CANCELLED", http: 499),
        .init(number: 2, name: "UNKNOWN", http: 500),
        .init(number: 3, name: "INVALID_ARGUMENT", http: 400),
        .init(number: 4, name: "DEADLINE_EXCEEDED", http: 504),
        .init(number: 5, name: "NOT_FOUND", http: 404),
        .init(number: 6, name: "ALREADY_EXISTS", http: 409),
        .init(number: 7, name: "PERMISSION_DENIED", http: 403),
        .init(number: 8, name: "RESOURCE_EXHAUSTED", http: 429),
        .init(number: 9, name: "FAILED_PRECONDITION", http: 400),
        .init(number: 10, name: "ABORTED", http: 409),
        .init(number: 11, name: "OUT_OF_RANGE", http: 400),
        .init(number: 12, name: "UNIMPLEMENTED", http: 501),
        .init(number: 13, name: "INTERNAL", http: 500),
        .init(number: 14, name: "UNAVAILABLE", http: 503),
        .init(number: 15, name: "DATA_LOSS", http: 500),
        .init(number: 16, name: "UNAUTHENTICATED", http: 401),
    ]

    @Test("every upstream status code becomes its HTTP status and JSON body", arguments: Self.table)
    func upstreamCodes(_ testCase: CodeCase) async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send(
                "POST",
                "/v1/fail",
                body: #"{"code":\#(testCase.number),"message":"failing with \#(testCase.name)"}"#
            )
            #expect(result.status == testCase.http)
            #expect(result.headers["content-type"] == "application/json")
            let error = try result.error()
            #expect(error["code"] as? Int == testCase.http)
            #expect(error["status"] as? String == testCase.name)
            #expect(error["message"] as? String == "failing with \(testCase.name)")
            let details = try #require(error["details"] as? [[String: Any]])
            #expect(details.first?["@type"] as? String == "type.googleapis.com/google.rpc.ErrorInfo")
            #expect(details.first?["reason"] as? String == "REQUESTED")
            #expect(result.headers["grpc-metadata-x-fail-reason"] == "requested")
            #expect(result.headers["grpc-metadata-grpc-status-details-bin"] == nil)
            if testCase.http == 401 {
                #expect(result.headers["www-authenticate"] == #"Bearer realm="harvestry""#)
            } else {
                #expect(result.headers["www-authenticate"] == nil)
            }
        }
    }

    struct GatewayCase: Sendable, CustomTestStringConvertible {
        var name: String
        var method: String
        var path: String
        var body: String?
        var headers: [String: String] = [:]
        var http: Int
        var status: String
        /// Text the message must contain (the field it names).
        var fragment: String
        var testDescription: String { self.name }
    }

    static let gatewayFailures: [GatewayCase] = [
        .init(
            name: "no route",
            method: "GET",
            path: "/v2/nothing",
            http: 404,
            status: "NOT_FOUND",
            fragment: "no route"
        ),
        .init(
            name: "method not allowed",
            method: "DELETE",
            path: "/v1/kinds",
            http: 405,
            status: "UNIMPLEMENTED",
            fragment: "allowed: GET, SEARCH"
        ),
        .init(
            name: "bad JSON",
            method: "POST",
            path: "/v1/kinds:echo",
            body: "{",
            http: 400,
            status: "INVALID_ARGUMENT",
            fragment: "not valid JSON"
        ),
        .init(
            name: "unknown body field",
            method: "POST",
            path: "/v1/kinds:echo",
            body: #"{"nope":1}"#,
            http: 400,
            status: "INVALID_ARGUMENT",
            fragment: "unknown field 'nope'"
        ),
        .init(
            name: "wrong JSON type",
            method: "POST",
            path: "/v1/kinds:echo",
            body: #"{"int32Value":"x"}"#,
            http: 400,
            status: "INVALID_ARGUMENT",
            fragment: "harvestry.testing.v1.Kinds"
        ),
        .init(
            name: "unknown query parameter",
            method: "GET",
            path: "/v1/kinds?nope=1",
            http: 400,
            status: "INVALID_ARGUMENT",
            fragment: "unknown query parameter 'nope'"
        ),
        .init(
            name: "bad integer parameter",
            method: "GET",
            path: "/v1/kinds?int32Value=x",
            http: 400,
            status: "INVALID_ARGUMENT",
            fragment: "'int32Value': 'x' is not a 32-bit integer"
        ),
        .init(
            name: "repeated singular parameter",
            method: "GET",
            path: "/v1/kinds?int32Value=1&int32Value=2",
            http: 400,
            status: "INVALID_ARGUMENT",
            fragment: "more than once"
        ),
        .init(
            name: "message parameter",
            method: "GET",
            path: "/v1/kinds?nested=x",
            http: 400,
            status: "INVALID_ARGUMENT",
            fragment: "'nested' cannot be set from the query string"
        ),
        .init(
            name: "query with body *",
            method: "POST",
            path: "/v1/kinds:echo?int32Value=1",
            body: "{}",
            http: 400,
            status: "INVALID_ARGUMENT",
            fragment: "takes every field from the body"
        ),
        .init(
            name: "query for a path field",
            method: "GET",
            path: "/v1/kinds/a/nested/b?stringValue=c",
            http: 400,
            status: "INVALID_ARGUMENT",
            fragment: "already bound by the path"
        ),
        .init(
            name: "unsupported media type",
            method: "POST",
            path: "/v1/kinds:echo",
            body: "{}",
            headers: ["Content-Type": "text/plain"],
            http: 415,
            status: "INVALID_ARGUMENT",
            fragment: "text/plain"
        ),
        .init(
            name: "bad Grpc-Timeout",
            method: "POST",
            path: "/v1/kinds:echo",
            body: "{}",
            headers: ["Grpc-Timeout": "soon"],
            http: 400,
            status: "INVALID_ARGUMENT",
            fragment: "Grpc-Timeout"
        ),
        .init(
            name: "body over the limit",
            method: "POST",
            path: "/v1/kinds:echo",
            body: #"{"stringValue":"\#(String(repeating: "x", count: 70_000))"}"#,
            http: 413,
            status: "RESOURCE_EXHAUSTED",
            fragment: "larger than 65536 bytes"
        ),
    ]

    @Test("the gateway's own failures are JSON google.rpc.Status bodies", arguments: Self.gatewayFailures)
    func gatewayFailure(_ testCase: GatewayCase) async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send(
                testCase.method,
                testCase.path,
                headers: testCase.headers,
                body: testCase.body
            )
            #expect(result.status == testCase.http, "\(result.text)")
            #expect(result.headers["content-type"] == "application/json")
            let error = try result.error()
            #expect(error["code"] as? Int == testCase.http)
            #expect(error["status"] as? String == testCase.status)
            #expect((error["message"] as? String)?.contains(testCase.fragment) == true, "\(result.text)")
            #expect((error["details"] as? [Any])?.isEmpty == false)
            if testCase.http == 405 {
                #expect(result.headers["allow"] == "GET, SEARCH")
            }
        }
    }

    @Test("an unknown field is named in a BadRequest field violation")
    func badRequestDetail() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send("POST", "/v1/kinds:echo", body: #"{"colour":"COLOR_RED"}"#)
            let details = try #require(try result.error()["details"] as? [[String: Any]])
            let badRequest = try #require(
                details.first { ($0["@type"] as? String)?.hasSuffix("google.rpc.BadRequest") == true }
            )
            let violations = try #require(badRequest["fieldViolations"] as? [[String: Any]])
            #expect(violations.first?["field"] as? String == "colour")
            let info = try #require(
                details.first { ($0["@type"] as? String)?.hasSuffix("google.rpc.ErrorInfo") == true }
            )
            #expect(info["domain"] as? String == "harvestry.io")
            #expect(info["reason"] as? String == "UNKNOWN_FIELD")
        }
    }

    @Test("the mapping function agrees with the table", arguments: Self.table)
    func mapping(_ testCase: CodeCase) throws {
        let code = try #require(Status.Code(rawValue: Int(testCase.number)).flatMap { RPCError.Code($0) })
        #expect(StatusMapping.httpStatus(for: code) == testCase.http)
        #expect(StatusMapping.name(of: code) == testCase.name)
    }
}

extension ErrorTests {
    @Test("an enum number outside Int32 is a 400, not a crash in SwiftProtobuf's encoder")
    func enumOutOfRange() async throws {
        try await GatewayFixture.withGateway { client, _ in
            for body in [#"{"repeatedColor":[2147483648]}"#, #"{"color":-2147483649}"#] {
                let result = try await client.send("POST", "/v1/kinds:echo", body: body)
                #expect(result.status == 400, "\(result.text)")
                #expect((try result.error()["message"] as? String)?.contains("outside the 32-bit range") == true)
            }
            let fine = try await client.send("POST", "/v1/kinds:echo", body: #"{"color":7}"#)
            #expect(fine.text == #"{"color":7}"#)
        }
    }
}
