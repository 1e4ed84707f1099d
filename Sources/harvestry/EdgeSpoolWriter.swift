import ArgumentParser
import Edge
import Foundation
import Logging

/// `harvestry edge-spool-writer` (hidden): appends a known pattern of readings to a spool until it is killed, and
/// prints `appended <n>` after each append returned. The spool's crash test kills it with SIGKILL mid-write and
/// checks that recovery kept every reading it reported.
struct EdgeSpoolWriter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge-spool-writer",
        abstract: "Append a test pattern to an edge spool (the spool's kill -9 test).",
        shouldDisplay: false
    )

    @Option(help: "The spool directory.") var directory: String
    @Option(help: "Readings per append.") var batch = 7
    @Option(help: "Segment size in bytes (small: many rotations).") var segmentBytes: Int64 = 16_384
    @Option(help: "Stop after this many readings in the spool.") var limit = 1_000_000

    func validate() throws {
        guard (1...10_000).contains(self.batch) else { throw ValidationError("--batch must be between 1 and 10000") }
        guard self.limit > 0 else { throw ValidationError("--limit must be positive") }
    }

    func run() async throws {
        var logger = Logger(label: "harvestry.edge.spool-writer")
        logger.logLevel = .error
        let spool = try await FileSpool.open(
            SpoolConfiguration(directory: self.directory, maximumBytes: 1 << 40, segmentBytes: self.segmentBytes),
            logger: logger
        )
        // Nothing is acknowledged in this test: the depth is the number of readings stored, the pattern's next index.
        var next = await spool.status().depth
        Self.say("ready \(next)")
        while next < self.limit {
            let count = min(self.batch, self.limit - next)
            try await spool.append((next..<(next + count)).map(Self.reading))
            next += count
            Self.say("appended \(next)")
        }
    }

    /// Reading `index` of the pattern (index = sequence - 1); the test rebuilds it to compare.
    static func reading(_ index: Int) -> EdgeReading {
        EdgeReading(
            deviceId: "00000000-0000-4000-8000-00000000000\(index % 3)",
            stream: "stream_\(index % 5)",
            value: Double(index) * 0.5,
            unit: index % 2 == 0 ? "W" : "",
            timestamp: Date(timeIntervalSince1970: 1_700_000_000 + Double(index))
        )
    }

    private static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
