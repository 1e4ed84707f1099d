import API
import Foundation
import SwiftProtobuf
import Testing

@testable import Gateway

@Suite("JSON transcoding over HTTP")
struct TranscodingTests {
    static let everyKindJSON = """
        {"doubleValue":1.5,"floatValue":2.25,"int32Value":-7,"int64Value":"-9007199254740993",
        "uint32Value":4000000000,"uint64Value":"18446744073709551615","sint32Value":-3,"sint64Value":"-4",
        "fixed32Value":5,"fixed64Value":"6","sfixed32Value":-8,"sfixed64Value":"-9","boolValue":true,
        "stringValue":"h\\u00e9llo \\"q\\"","bytesValue":"AAEC/w==","color":"COLOR_GREEN",
        "nested":{"name":"n","count":"3"},"repeatedString":["a","b"],"repeatedInt64":["1","-2"],
        "repeatedNested":[{"name":"x"}],"repeatedColor":["COLOR_RED","COLOR_GREEN"],"stringMap":{"k":"v"},
        "nestedMap":{"7":{"name":"seven"}},"choiceText":"picked","optionalInt32":0,
        "timestamp":"2026-11-22T06:00:00.123Z","duration":"1.500s","int64Wrapper":"12","stringWrapper":"w",
        "boolWrapper":false,"structValue":{"a":[1,"x",null,true]},"anyJson":{"k":1},"fieldMask":"a.b,cD"}
        """

    static var everyKind: Harvestry_Testing_V1_Kinds {
        .with {
            $0.doubleValue = 1.5
            $0.floatValue = 2.25
            $0.int32Value = -7
            $0.int64Value = -9_007_199_254_740_993
            $0.uint32Value = 4_000_000_000
            $0.uint64Value = .max
            $0.sint32Value = -3
            $0.sint64Value = -4
            $0.fixed32Value = 5
            $0.fixed64Value = 6
            $0.sfixed32Value = -8
            $0.sfixed64Value = -9
            $0.boolValue = true
            $0.stringValue = "héllo \"q\""
            $0.bytesValue = Data([0, 1, 2, 255])
            $0.color = .green
            $0.nested = .with {
                $0.name = "n"
                $0.count = 3
            }
            $0.repeatedString = ["a", "b"]
            $0.repeatedInt64 = [1, -2]
            $0.repeatedNested = [.with { $0.name = "x" }]
            $0.repeatedColor = [.red, .green]
            $0.stringMap = ["k": "v"]
            $0.nestedMap = [7: .with { $0.name = "seven" }]
            $0.choiceText = "picked"
            $0.optionalInt32 = 0
            $0.timestamp = Google_Protobuf_Timestamp(seconds: 1_795_327_200, nanos: 123_000_000)
            $0.duration = Google_Protobuf_Duration(seconds: 1, nanos: 500_000_000)
            $0.int64Wrapper = Google_Protobuf_Int64Value(12)
            $0.stringWrapper = Google_Protobuf_StringValue("w")
            $0.boolWrapper = Google_Protobuf_BoolValue(false)
            $0.structValue = Google_Protobuf_Struct(fields: [
                "a": Google_Protobuf_Value(listValue: [1, "x", nil, true])
            ])
            $0.anyJson = Google_Protobuf_Value(structValue: ["k": 1])
            $0.fieldMask = Google_Protobuf_FieldMask(protoPaths: ["a.b", "c_d"])
        }
    }

    static func kinds(_ result: HTTPResult) throws -> Harvestry_Testing_V1_Kinds {
        try Harvestry_Testing_V1_Kinds(jsonUTF8Data: result.body)
    }

    @Test("every field kind round-trips through body \"*\" in proto3 JSON")
    func everyKindRoundTrip() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send("POST", "/v1/kinds:echo", body: Self.everyKindJSON)
            #expect(result.status == 200, "\(result.text)")
            #expect(result.headers["content-type"] == "application/json")
            #expect(try Self.kinds(result) == Self.everyKind)
            let text = result.text
            #expect(text.contains(#""int64Value":"-9007199254740993""#))
            #expect(text.contains(#""uint64Value":"18446744073709551615""#))
            #expect(text.contains(#""color":"COLOR_GREEN""#))
            #expect(text.contains(#""timestamp":"2026-11-22T06:00:00.123Z""#))
            #expect(text.contains(#""duration":"1.500s""#))
            #expect(text.contains(#""optionalInt32":0"#))
            #expect(text.contains(#""fieldMask":"a.b,cD""#))
            #expect(!text.contains("int64_value"))
        }
    }

    @Test("proto field names are accepted in the body")
    func protoNames() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send(
                "POST",
                "/v1/kinds:echo",
                body: #"{"int64_value":"5","repeated_string":["x"],"nested":{"name":"n"},"choice_number":3}"#
            )
            #expect(result.status == 200, "\(result.text)")
            #expect(
                try Self.kinds(result)
                    == .with {
                        $0.int64Value = 5
                        $0.repeatedString = ["x"]
                        $0.nested.name = "n"
                        $0.choiceNumber = 3
                    }
            )
        }
    }

    @Test("unbound fields come from the query string: primitives, repeated, nested, enums, well-known types")
    func queryParameters() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let query = [
                "doubleValue=1.5", "int32_value=-7", "int64Value=-9007199254740993", "uint64Value=18446744073709551615",
                "boolValue=true", "stringValue=a%20b+c", "bytesValue=AAE%3D", "color=COLOR_RED", "nested.name=n",
                "nested.count=3", "repeatedString=a", "repeatedString=b", "repeatedInt64=1", "repeatedInt64=2",
                "repeatedColor=1", "repeatedColor=COLOR_GREEN", "timestamp=2026-11-22T06:00:00Z", "duration=2s",
                "int64Wrapper=12", "boolWrapper=true", "fieldMask=a,b", "choiceNumber=4", "optionalInt32=0",
            ].joined(separator: "&")
            let result = try await client.send("GET", "/v1/kinds?" + query)
            #expect(result.status == 200, "\(result.text)")
            let expected = Harvestry_Testing_V1_Kinds.with {
                $0.doubleValue = 1.5
                $0.int32Value = -7
                $0.int64Value = -9_007_199_254_740_993
                $0.uint64Value = .max
                $0.boolValue = true
                $0.stringValue = "a b c"
                $0.bytesValue = Data([0, 1])
                $0.color = .red
                $0.nested = .with {
                    $0.name = "n"
                    $0.count = 3
                }
                $0.repeatedString = ["a", "b"]
                $0.repeatedInt64 = [1, 2]
                $0.repeatedColor = [.red, .green]
                $0.timestamp = Google_Protobuf_Timestamp(seconds: 1_795_327_200)
                $0.duration = Google_Protobuf_Duration(seconds: 2)
                $0.int64Wrapper = Google_Protobuf_Int64Value(12)
                $0.boolWrapper = Google_Protobuf_BoolValue(true)
                $0.fieldMask = Google_Protobuf_FieldMask(protoPaths: ["a", "b"])
                $0.choiceNumber = 4
                $0.optionalInt32 = 0
            }
            #expect(try Self.kinds(result) == expected)
        }
    }

    @Test("nested path fields, body \"field\", custom methods and verbs, response_body, DELETE")
    func bindings() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let nested = try await client.send("GET", "/v1/kinds/x%2Fy%20z/nested/inner?int32Value=2")
            #expect(nested.status == 200, "\(nested.text)")
            #expect(
                try Self.kinds(nested)
                    == .with {
                        $0.stringValue = "x/y z"
                        $0.nested.name = "inner"
                        $0.int32Value = 2
                    }
            )

            let put = try await client.send("PUT", "/v1/kinds/42?boolValue=true", body: #"{"name":"b","count":"9"}"#)
            #expect(put.status == 200, "\(put.text)")
            #expect(
                try Self.kinds(put)
                    == .with {
                        $0.int64Value = 42
                        $0.boolValue = true
                        $0.nested = .with {
                            $0.name = "b"
                            $0.count = 9
                        }
                    }
            )

            let search = try await client.send("SEARCH", "/v1/kinds", body: #"{"stringValue":"s"}"#)
            #expect(search.status == 200, "\(search.text)")
            #expect(try Self.kinds(search) == .with { $0.stringValue = "s" })

            let patch = try await client.send(
                "PATCH",
                "/v1/farms/s1/beds/z1?updateMask=label,name",
                body: #"{"label":"L","name":"ignored"}"#
            )
            #expect(patch.status == 200, "\(patch.text)")
            #expect(try patch.json()["name"] as? String == "farms/s1/beds/z1")
            #expect(try patch.json()["label"] as? String == "L|label,name")

            let abort = try await client.send("POST", "/v1/farms/s1/beds/z1:abort", body: #"{"reason":"leak"}"#)
            #expect(try abort.json()["label"] as? String == "aborted: leak")

            let label = try await client.send("GET", "/v1/farms/s1/beds/z1/label")
            #expect(label.status == 200)
            #expect(label.text == #""resource farms\/s1\/beds\/z1""# || label.text == #""resource farms/s1/beds/z1""#)

            let deep = try await client.send("GET", "/v1/files/a/b%2Fc/d")
            #expect(try deep.json()["name"] as? String == "files/a/b%2Fc/d")

            let delete = try await client.send("DELETE", "/v1/farms/s1/beds/z1")
            #expect(delete.status == 200)
            #expect(delete.text == "{}")
        }
    }
}
