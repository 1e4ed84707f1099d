import Edge
import Foundation
import Logging

/// A fresh directory for one test's spool, removed by `remove()`.
struct SpoolDirectory {
    let path: String

    init(_ label: String = "spool") {
        self.path = "/tmp/harvestry-edge-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: self.path) }

    func segments() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: self.path)) ?? [])
            .filter { $0.hasPrefix("segment-") }.sorted().map { self.path + "/" + $0 }
    }

    func open(
        maximumBytes: Int64 = 1 << 30,
        segmentBytes: Int64 = 8 * 1024 * 1024,
        policy: SpoolConfiguration.FullPolicy = .dropOldest
    ) async throws -> FileSpool {
        try await FileSpool.open(
            SpoolConfiguration(directory: self.path, maximumBytes: maximumBytes, segmentBytes: segmentBytes, fullPolicy: policy),
            logger: edgeTestLogger
        )
    }
}

let edgeTestLogger: Logger = {
    var logger = Logger(label: "edge-tests")
    logger.logLevel = .critical
    return logger
}()

/// Reading `index` of a test pattern: values and times differ per index.
func patternReading(_ index: Int, devices: [String] = ["dev-a", "dev-b"]) -> EdgeReading {
    EdgeReading(
        deviceId: devices[index % devices.count],
        stream: "s\(index % 4)",
        value: Double(index) + 0.25,
        unit: "W",
        timestamp: Date(timeIntervalSince1970: 1_750_000_000.123456 + Double(index))
    )
}

/// Every reading left in the spool, oldest first, without acknowledging.
func allReadings(_ spool: FileSpool) async throws -> SpoolBatch? {
    try await spool.oldestBatch(limit: 10_000_000)
}
