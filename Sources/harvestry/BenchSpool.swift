import ArgumentParser
import Edge
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `harvestry bench spool`: the spool's cost per reading against the floor, a plain fsync'd append of the same bytes.
struct BenchSpool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spool",
        abstract: "Edge spool append cost per reading against a plain fsync'd append of the same bytes.",
        discussion: """
            For each batch size, appends --appends batches of readings to a FileSpool and, interleaved with them (so \
            both see the same disk and load), the same record bytes to a plain file with write + fdatasync: the \
            floor any durable append pays. Prints the median and p99 time per append and per reading, and the \
            spool/floor ratio of the medians. Files go to --directory (default: a temporary directory on /tmp) and \
            are removed afterwards.
            """
    )

    @Option(help: "Appends per batch size.") var appends = 300
    @Option(help: "Comma-separated readings per append.") var batches = "1,100"
    @Option(help: "Directory for the spool and the floor file (on the disk you want measured).") var directory: String?

    func validate() throws {
        guard (1...100_000).contains(self.appends) else { throw ValidationError("--appends must be between 1 and 100000") }
        guard !self.batchSizes.isEmpty, self.batchSizes.allSatisfy({ (1...10_000).contains($0) }) else {
            throw ValidationError("--batches must be a comma-separated list of sizes between 1 and 10000")
        }
    }

    var batchSizes: [Int] { self.batches.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func run() async throws {
        bootstrapCommandLogging()
        var logger = Logger(label: "harvestry.bench.spool")
        logger.logLevel = .error
        let root = self.directory ?? "/tmp/harvestry-bench-spool-\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { if self.directory == nil { try? FileManager.default.removeItem(atPath: root) } }
        print("| readings/append | appends | floor p50 | spool p50 | floor/reading p50 | spool/reading p50 | ratio p50 | floor p99 | spool p99 |")
        print("|---|---|---|---|---|---|---|---|---|")
        for size in self.batchSizes {
            let run = root + "/batch-\(size)"
            try? FileManager.default.removeItem(atPath: run)
            let spool = try await FileSpool.open(SpoolConfiguration(directory: run + "/spool", maximumBytes: 1 << 36), logger: logger)
            let floor = try FloorFile(path: run + "/floor.log")
            var floorTimes: [Duration] = []
            var spoolTimes: [Duration] = []
            let clock = ContinuousClock()
            for index in 0..<self.appends {
                let readings = (0..<size).map { Self.reading(index * size + $0) }
                let bytes = try FileSpool.recordBytes(readings, firstSequence: UInt64(index * size + 1))
                floorTimes.append(try clock.measure { try floor.appendDurably(bytes) })
                spoolTimes.append(try await clock.measure { try await spool.append(readings) })
            }
            let f50 = Self.quantile(floorTimes, 0.5)
            let s50 = Self.quantile(spoolTimes, 0.5)
            print(
                "| \(size) | \(self.appends) | \(Self.micros(f50)) | \(Self.micros(s50)) | \(Self.micros(f50 / size)) | "
                    + "\(Self.micros(s50 / size)) | \(String(format: "%.2f", Self.seconds(s50) / Self.seconds(f50))) | "
                    + "\(Self.micros(Self.quantile(floorTimes, 0.99))) | \(Self.micros(Self.quantile(spoolTimes, 0.99))) |"
            )
            try? FileManager.default.removeItem(atPath: run)
        }
    }

    static func reading(_ index: Int) -> EdgeReading {
        EdgeReading(
            deviceId: "6f1c2d3e-0000-4000-8000-0000000000\(String(format: "%02d", index % 100))",
            stream: ["pv_power", "grid_power", "battery_soc", "load_power", "daily_yield"][index % 5],
            value: Double(index % 10_000) * 1.5,
            unit: "W",
            timestamp: Date(timeIntervalSince1970: 1_700_000_000 + Double(index) / 10)
        )
    }

    static func quantile(_ times: [Duration], _ p: Double) -> Duration {
        let sorted = times.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func micros(_ duration: Duration) -> String { String(format: "%.1f µs", Self.seconds(duration) * 1e6) }
}

/// The floor: one file, O_APPEND, write then fdatasync.
private final class FloorFile {
    let path: String
    let descriptor: Int32

    init(path: String) throws {
        self.path = path
        self.descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard self.descriptor >= 0 else { throw BenchError(message: "open \(path): errno \(errno)") }
    }

    deinit { close(self.descriptor) }

    func appendDurably(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { write(self.descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw BenchError(message: "write \(self.path): errno \(errno)") }
        guard fdatasync(self.descriptor) == 0 else { throw BenchError(message: "fdatasync \(self.path): errno \(errno)") }
    }
}
