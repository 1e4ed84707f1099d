import Foundation

/// Resident memory and thread count of this process, read from /proc.
struct ProcessStats {
    var residentBytes: Int
    var threads: Int

    static func current() throws -> ProcessStats {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        func field(_ name: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "0") ?? 0
        }
        return ProcessStats(residentBytes: field("VmRSS") * 1024, threads: field("Threads"))
    }

    static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name]
    }
}
