import Edge
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// kill -9 of a process appending to the spool, at a random moment, several times over the same directory: every
/// reading whose append had returned is there after recovery, in order and intact, and appending goes on after it.
@Suite struct SpoolCrashTests {
    static var harvestry: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("harvestry")
    }

    @Test func killNineMidWriteLosesNothingAppendReturned() async throws {
        let directory = SpoolDirectory("crash")
        defer { directory.remove() }
        var reported = 0
        for round in 0..<4 {
            let writer = try ChildProcess(
                Self.harvestry,
                ["edge-spool-writer", "--directory", directory.path, "--batch", "\(3 + round * 4)", "--segment-bytes", "4096"],
                capture: .standardOutput
            )
            // Let it append for a while (a few hundred appends), then kill it wherever it is.
            let target = reported + 200 + Int.random(in: 0..<200)
            var output = ""
            for _ in 0..<3000 {
                output = writer.output
                if Self.lastAppended(output) >= target || !writer.isRunning { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(writer.isRunning, "the writer stopped early: \(output.suffix(400))")
            kill(writer.processIdentifier, SIGKILL)
            _ = await writer.waitForExit(timeout: .seconds(30))
            reported = max(reported, Self.lastAppended(writer.output))
            #expect(reported > 0)

            let spool = try await directory.open(segmentBytes: 4096)
            let stored = try #require(try await allReadings(spool))
            #expect(stored.firstSequence == 1)
            #expect(stored.readings.count >= reported, "round \(round): \(stored.readings.count) stored, \(reported) reported")
            #expect(stored.lastSequence == UInt64(stored.readings.count))
            let mismatch = stored.readings.enumerated().first { $0.element != Self.pattern($0.offset) }
            #expect(mismatch == nil, "round \(round): reading \(mismatch?.offset ?? -1) differs")
        }
    }

    static func lastAppended(_ output: String) -> Int {
        output.split(separator: "\n").last { $0.hasPrefix("appended ") }.flatMap { Int($0.dropFirst("appended ".count)) } ?? 0
    }

    /// `EdgeSpoolWriter.reading(_:)` of the harvestry binary.
    static func pattern(_ index: Int) -> EdgeReading {
        EdgeReading(
            deviceId: "00000000-0000-4000-8000-00000000000\(index % 3)",
            stream: "stream_\(index % 5)",
            value: Double(index) * 0.5,
            unit: index % 2 == 0 ? "W" : "",
            timestamp: Date(timeIntervalSince1970: 1_700_000_000 + Double(index))
        )
    }
}
