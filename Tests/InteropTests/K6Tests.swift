import TestSupport
import Testing

/// k6's gRPC client (Go's grpc implementation) through server reflection, with no local protos.
@Suite("Interop with k6")
struct K6Tests {
    @Test("k6 calls Health/Check and the Expand stream via reflection")
    func reflectionSmoke() async throws {
        try await ServerFixture.withServer { target in
            let result = try await Peer.run(
                ["k6", "run", "--quiet", "--no-usage-report", "k6/grpc_reflection.js"],
                environment: ["TARGET": target],
                timeout: .seconds(180)
            )
            #expect(result.status == 0, "k6 failed:\n\(result.output)")
        }
    }
}
