import ArgumentParser
import Domain
import Foundation
import Logging
import Store
import Synchronization

/// `harvestry audit ...`: tools for the hash-chained audit log.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the audit log.",
        subcommands: [Verify.self]
    )

    /// `harvestry audit verify`: recomputes every chain and names the first row that does not verify.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every audit hash chain; exit 1 at the first row that does not verify.",
            discussion: """
                Walks each chain (one per site, one per organization) in sequence order, recomputes every row hash \
                in Swift from the row's contents and the previous row's hash, and checks the chain head. Prints \
                progress for long chains to stderr. Run it with the owner's database URL (it reads every chain).
                """
        )

        @OptionGroup var database: DatabaseOptions

        @Option(help: "Rows fetched per query.")
        var batchSize = 2000

        func run() async throws {
            bootstrapCommandLogging()
            let logger = Logger(label: "harvestry.audit")
            let report = try await self.database.withOwnerConninfo(logger: logger) { conninfo in
                let client = PostgresClient(
                    configuration: .init(conninfo: conninfo, maximumConnections: 1),
                    logger: logger
                )
                defer { client.close() }
                let printer = ProgressPrinter()
                return try await AuditVerifier(batchSize: self.batchSize).verify(client) { progress in
                    printer.report(progress)
                }
            }
            if let fault = report.fault {
                print("audit verify: FAILED at \(fault)")
                print("verified \(report.rows) rows before it, in \(report.chains) chain(s)")
                throw ExitCode.failure
            }
            print("audit verify: OK, \(report.rows) rows in \(report.chains) chain(s)")
        }
    }
}

/// Prints a chain's progress at most about once a second, and when a chain of more than one batch completes.
private final class ProgressPrinter: Sendable {
    private let last = Mutex<(at: ContinuousClock.Instant, chain: UUID?)>((.now, nil))

    func report(_ progress: AuditVerificationProgress) {
        let now = ContinuousClock.now
        let done = progress.verifiedRows >= progress.totalRows
        let print = self.last.withLock { last -> Bool in
            let due = now - last.at >= .seconds(1)
            guard due || (done && last.chain == progress.chainID) else { return false }
            last = (now, progress.chainID)
            return true
        }
        guard print else { return }
        FileHandle.standardError.write(
            Data(
                ("chain \(progress.chainIndex + 1)/\(progress.chainCount) \(progress.chainID.uuidString.lowercased()): "
                    + "\(progress.verifiedRows)/\(progress.totalRows) rows\n").utf8
            )
        )
    }
}
