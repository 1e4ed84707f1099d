import Domain
import Foundation
import Store
import TestSupport
import Testing

extension PostgresIntegrationTests {
    /// The CLI built next to the test bundle (`swift build --build-tests` builds every product).
    static var harvestry: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("harvestry")
    }

    /// Runs the CLI to completion (bounded); returns its exit status and stdout (and stderr with `errors`).
    static func runHarvestry(
        _ arguments: [String],
        errors: Bool = false
    ) async throws -> (status: Int32, output: String) {
        let result = try await ChildProcess(Self.harvestry, arguments, capture: errors ? .both : .standardOutput)
            .result(timeout: .seconds(60))
        if result.timedOut { throw ProcessTimeout(arguments: arguments) }
        return (result.status, result.output)
    }

    struct ProcessTimeout: Error {
        var arguments: [String]
    }

    /// `harvestry seed pilot` twice, then `harvestry audit verify`: OK, and after tampering exit 1 naming the row.
    @Test func seedAndAuditVerifyCommands() async throws {
        try await withMigratedDatabase { db in
            let url = try testConninfo() + " dbname=\(db.name)"
            let first = try await Self.runHarvestry(["seed", "pilot", "--database-url", url])
            #expect(first.status == 0)
            #expect(first.output.contains("inserted"))
            let second = try await Self.runHarvestry(["seed", "pilot", "--database-url", url])
            #expect(second.status == 0)
            #expect(second.output.contains("already loaded"))

            let ok = try await Self.runHarvestry(["audit", "verify", "--database-url", url])
            #expect(ok.status == 0)
            #expect(ok.output.contains("OK"))

            try await db.owner.query(
                "UPDATE audit_logs SET resource_id = 'forged' WHERE chain_id = $1::uuid AND seq = 5",
                [SQLValue(PilotSeed.siteID)]
            )
            let bad = try await Self.runHarvestry(["audit", "verify", "--database-url", url, "--batch-size", "3"])
            #expect(bad.status == 1)
            #expect(bad.output.contains("chain \(PilotSeed.siteID.uuidString.lowercased()) row 5: row_hash_mismatch"))
        }
    }
}
