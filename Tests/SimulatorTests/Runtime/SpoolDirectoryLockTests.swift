import Bus
import Foundation
import Testing

@testable import Simulator

@Suite struct SpoolDirectoryLockTests {
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "hv-spool-lock-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aSecondLockOfTheSameInstanceFailsNamingInstanceAndSpoolDir() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tag = ConnectionPlan.siteTag("site-a", instance: "1")
        let first = try SpoolDirectoryLock(directory: directory, tag: tag, instance: "1")
        do {
            _ = try SpoolDirectoryLock(directory: directory, tag: tag, instance: "1")
            Issue.record("the second lock was granted")
        } catch {
            #expect(error.message.contains("--instance 1"), "\(error)")
            #expect(error.message.contains("--spool-dir \(directory)"), "\(error)")
        }
        first.release()
        // Released: the next run of the instance gets it.
        _ = try SpoolDirectoryLock(directory: directory, tag: tag, instance: "1")
    }

    @Test func differentInstancesAndSitesCoexist() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let locks = try [("site-a", "1"), ("site-a", "2"), ("site-b", "1")].map { site, instance in
            try SpoolDirectoryLock(
                directory: directory,
                tag: ConnectionPlan.siteTag(site, instance: instance),
                instance: instance
            )
        }
        #expect(Set(locks.map(\.path)).count == 3)
    }

    @Test func aRuntimeOfAnInstanceAlreadyRunningFailsAtStart() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let site = "site-lock"
        let held = try SpoolDirectoryLock(
            directory: directory,
            tag: ConnectionPlan.siteTag(site, instance: "7"),
            instance: "7"
        )
        defer { held.release() }
        let start = SimInstant(secondsSinceEpoch: 1_700_000_000)
        let runtime = try SimulationRuntime(
            spec: TestTickingSite.spec(site: site, sensors: 2),
            simulation: TestTickingSite(site: site, sensors: 2, start: start),
            configuration: RuntimeConfiguration(
                // Never reached: the lock is taken before any connection.
                broker: .init(host: "127.0.0.1", port: 1),
                start: start,
                duration: .seconds(1),
                spoolDirectory: directory,
                instance: "7"
            ),
            logger: RuntimeFixture.logger
        )
        await #expect(throws: SimFileError.self) { try await runtime.run() }
    }
}
