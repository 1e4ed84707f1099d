import Foundation
import TestSupport
import Testing

/// schemathesis (PyPI, from scripts/bootstrap) against a live gateway's /openapi.json, the test service included:
/// no 5xx and no response that differs from the document.
@Suite("schemathesis against /openapi.json")
struct SchemathesisTests {
    @Test("schemathesis finds no failures")
    func schemathesis() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await ChildProcess.run(
                [
                "schemathesis", "run", "http://127.0.0.1:\(client.port)/openapi.json",
                "--max-examples", "25", "--seed", "20261122", "--no-color",
                // The default 10 s read timeout fails on a loaded CI machine (seen once, with the whole suite and
                // three builds running); a hang still fails, after a minute.
                "--request-timeout", "60",
                // These two fail on request (their purpose): every 5xx they return is intended.
                "--exclude-path", "/v1/fail", "--exclude-path", "/v1/kinds:stream",
                // The fixture serves only these two; the other services need a database and a token, and are
                // answered UNIMPLEMENTED (501) here.
                "--include-tag-regex", "^(EchoService|TranscodingTestService)$",
                // What the issue asks: no 5xx, every status, content type, header and body as documented, and 405
                // for undocumented methods. Not run: positive_data_acceptance and negative_data_rejection, which
                // trip on proto3 JSON's own leniency and limits (nulls anywhere, 226499.0 for an integer,
                // out-of-range floats) that a JSON Schema cannot state exactly; and allow_header_conformance, as
                // `Allow` lists SEARCH, a custom method OpenAPI cannot describe.
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
                    + "response_schema_conformance,unsupported_method",
                ],
                environment: ["NO_COLOR": "1"],
                // schemathesis keeps a cache in its working directory: not in the repository.
                workingDirectory: FileManager.default.temporaryDirectory,
                timeout: .seconds(300)
            )
            let text = result.output
            #expect(result.status == 0, "schemathesis failed:\n\(text.suffix(40000))")
            #expect(text.contains("passed"), "\(text.suffix(2000))")
        }
    }
}
