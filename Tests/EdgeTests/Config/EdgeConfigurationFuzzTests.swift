import Edge
import Foundation
import TestSupport
import Testing

/// Random and mutated config files: the parser either returns a configuration that keeps every invariant or throws
/// an error naming the file, a line that exists and a field; it never crashes or hangs. Bounded in count; seeded,
/// so a failure reproduces.
@Suite("EdgeConfiguration fuzzing")
struct EdgeConfigurationFuzzTests {
    static let snippets = [
        "[device x]", "[uplink]", "[spool]", "[health]", "[", "]", "[device]", "=", "key =", "= value",
        "poll_interval = 0s", "poll_interval = 99999999999h", "max_bytes = 99999999999999GiB", "port = -1",
        "registers = ", "registers = ,,,", "stream. = a", "stream.total_dc_power = ", "device_id = not-a-uuid",
        "token_file = /nonexistent", "register_map = ../../etc/passwd", "host = a b", "\t# indented comment",
        "request_gap = 1.5.5ms", "unit_id = 0", "max_block_gap = 124", "target = [::1]:1", "listen = :80",
    ]

    @Test func mutatedFilesParseOrFailNamingALineAndField() {
        var random = SplitMix64(seed: 0xED6E_C0F1)
        let lines = EdgeConfigurationFixtures.valid.split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        var accepted = 0
        var rejected = 0
        for _ in 0..<3000 {
            var mutated = lines
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                Self.mutate(&mutated, using: &random)
            }
            let text = mutated.joined(separator: "\n")
            if Self.check(text) { accepted += 1 } else { rejected += 1 }
        }
        // Both outcomes occur, so the mutations reach past the first line.
        #expect(accepted > 50 && rejected > 500, "accepted \(accepted), rejected \(rejected)")
    }

    @Test func randomBytesFailNamingALineAndField() {
        var random = SplitMix64(seed: 42)
        let alphabet = Array("[]=#;.:_- \t\nabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        for round in 0..<1000 {
            let count = Int.random(in: 0...400, using: &random)
            let bytes: [UInt8] = (0..<count).map { _ in
                round.isMultiple(of: 2)
                    ? UInt8.random(in: 0...255, using: &random) : alphabet.randomElement(using: &random)!
            }
            #expect(!Self.check(String(decoding: bytes, as: UTF8.self)))
        }
    }

    /// True when it parsed (and the result is valid), false when it threw a well-formed error.
    private static func check(_ text: String) -> Bool {
        let lineCount = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .count
        do {
            let configuration = try EdgeConfigurationFixtures.parse(text)
            #expect(!configuration.devices.isEmpty)
            #expect(Set(configuration.devices.map(\.deviceId)).count == configuration.devices.count)
            for device in configuration.devices {
                #expect(!device.points.isEmpty)
                #expect(Set(device.points.map(\.stream)).count == device.points.count)
                #expect(device.pollInterval >= .milliseconds(100) && device.maxBackoff >= device.pollInterval)
                #expect((1...125).contains(device.maxBlockRegisters) && (1...65535).contains(device.port))
            }
            #expect(configuration.spool.maximumBytes >= 1 << 20 && !configuration.uplink.token.isEmpty)
            return true
        } catch {
            #expect(error.file == "edge.conf" || error.field == "register_map" || error.field == "token_file")
            #expect((0...lineCount).contains(error.line), "\(error) in a file of \(lineCount) lines")
            #expect(!error.field.isEmpty && !error.message.isEmpty)
            return false
        }
    }

    private static func mutate(_ lines: inout [String], using random: inout SplitMix64) {
        guard !lines.isEmpty else {
            lines.append(snippets.randomElement(using: &random)!)
            return
        }
        let index = Int.random(in: 0..<lines.count, using: &random)
        switch Int.random(in: 0..<7, using: &random) {
        case 0:
            lines.remove(at: index)
        case 1:
            lines.insert(lines[index], at: index)
        case 2:
            lines.insert(snippets.randomElement(using: &random)!, at: index)
        case 3:
            var bytes = Array(lines[index].utf8)
            if !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            lines[index] = String(decoding: bytes, as: UTF8.self)
        case 4:
            let other = Int.random(in: 0..<lines.count, using: &random)
            lines.swapAt(index, other)
        case 5:
            let line = lines[index]
            lines[index] = String(line.prefix(Int.random(in: 0...line.count, using: &random)))
        default:
            if let equals = lines[index].firstIndex(of: "=") {
                lines[index] = String(lines[index][...equals]) + " " + snippets.randomElement(using: &random)!
            }
        }
    }
}
