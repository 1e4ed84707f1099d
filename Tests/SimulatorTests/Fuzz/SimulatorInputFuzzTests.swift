import API
import Foundation
import SwiftProtobuf
import Testing

@testable import Simulator

/// Seeded fuzzing of what the simulator parses from outside: spool files (a crash can leave any bytes), MQTT
/// command payloads, scenario files and toxic descriptions (API input). Each case mutates valid input or makes up
/// bytes; the parser must answer with a value that keeps its invariants or an error naming a field, and never trap.
@Suite("Simulator input fuzzing")
struct SimulatorInputFuzzTests {
    static let rounds = 2_000

    /// Records framed one after another, then damaged (a flipped byte, a cut, inserted bytes): reading from the
    /// start gives back exactly the records before the damage, in order, and stops there.
    @Test func aDamagedSpoolGivesBackTheRecordsBeforeTheDamageAndStops() {
        var random = SimRandom(seed: 0x5F00)
        for _ in 0..<Self.rounds {
            let bodies = (0..<Int.random(in: 1...6, using: &random)).map { _ in
                FuzzBytes.random(count: Int.random(in: 0...80, using: &random), using: &random)
            }
            var file: [UInt8] = []
            var ends: [Int] = []
            for body in bodies {
                file += SpoolFraming.frame(body)
                ends.append(file.count)
            }
            let damageAt = Int.random(in: 0..<file.count, using: &random)
            let damaged = FuzzBytes.damage(file, at: damageAt, using: &random)
            let read = Self.readAll(damaged)
            let intact = ends.filter { $0 <= damageAt }.count
            // The record the damage hits fails its length or checksum; a false match is a 1 in 2^32 event.
            #expect(read == Array(bodies.prefix(intact)))
        }
    }

    /// Bytes that were never a spool: no trap, and every record read back has a matching checksum.
    @Test func randomBytesAreNeverMistakenForRecords() {
        var random = SimRandom(seed: 0x5F01)
        var accepted = 0
        for _ in 0..<Self.rounds {
            let bytes = FuzzBytes.random(count: Int.random(in: 0...64, using: &random), using: &random)
            accepted += Self.readAll(bytes).count
        }
        // 8 header bytes with a 32-bit checksum: a random match is a 1 in 2^32 event per position.
        #expect(accepted == 0)
    }

    /// Command payloads: mutated valid commands and random bytes. A decoded command always has what the
    /// controller relies on; a rejection names the field; nothing traps.
    @Test func commandPayloadsDecodeToValidCommandsOrNamedRejections() throws {
        var random = SimRandom(seed: 0xC0DE)
        let valid = try Harvestry_Telemetry_V1_Command.with {
            $0.id = "cmd-1"
            $0.idempotencyKey = "key-1"
            $0.deviceID = "ctl-1"
            $0.name = "valve.open"
            $0.parameters = ["valve": "vlv-1", "duration_s": "60"]
            $0.expireTime = .with { $0.seconds = 1_800_000_000 }
        }.serializedBytes() as [UInt8]
        var outcomes: [String: Int] = [:]
        for round in 0..<Self.rounds {
            let payload =
                round % 4 == 0
                ? FuzzBytes.random(count: Int.random(in: 0...96, using: &random), using: &random)
                : FuzzBytes.damage(valid, at: Int.random(in: 0..<valid.count, using: &random), using: &random)
            switch CommandDecoding.decode(payload, device: "ctl-1") {
            case .command(let command):
                outcomes["command", default: 0] += 1
                #expect(!command.id.isEmpty && !command.idempotencyKey.isEmpty && !command.name.isEmpty)
                #expect(command.device == "ctl-1")
            case .rejected(let id, let reason):
                outcomes["rejected", default: 0] += 1
                #expect(!id.isEmpty)
                #expect(reason.hasPrefix("INVALID_COMMAND: "), "\(reason)")
            case .unreadable(let reason):
                outcomes["unreadable", default: 0] += 1
                #expect(!reason.isEmpty)
            }
        }
        print("command payload fuzz: \(Self.rounds) payloads, outcomes \(outcomes.sorted { $0.key < $1.key })")
        // The mutations reach every outcome, or the fuzz is not exercising the decoder.
        #expect(outcomes.count == 3)
    }

    /// Scenario files with a damaged byte or a field of the wrong JSON type: a valid site or a `SpecError` with a
    /// field, never a trap.
    @Test func damagedScenarioFilesAreValidSitesOrNamedErrors() {
        var random = SimRandom(seed: 0x5CE7)
        let scenario = Array(SiteSpecTests.scenario.utf8)
        let replacements = ["null", "0", "-1", "1e309", "\"\"", "[]", "{}", "true", "\"a/b\"", "\"\\u0000\""]
        var refused = 0
        for round in 0..<Self.rounds {
            var text: [UInt8]
            if round % 2 == 0 {
                text = FuzzBytes.damage(scenario, at: Int.random(in: 0..<scenario.count, using: &random), using: &random)
            } else {
                text = Self.replacingAValue(in: SiteSpecTests.scenario, with: replacements, using: &random)
            }
            do {
                let spec = try ScenarioFile.parse(Data(text))
                #expect(!spec.site.isEmpty && !spec.devices.isEmpty)
                #expect(Set(spec.devices.map(\.id)).count == spec.devices.count)
            } catch {
                refused += 1
                #expect(!error.field.isEmpty && !error.message.isEmpty)
            }
        }
        #expect(refused > 0)
    }

    /// Toxic descriptions as the API receives them (JSON): a toxic that passes its own validation, or an error
    /// naming the field.
    @Test func toxicDescriptionsAreValidToxicsOrNamedErrors() {
        var random = SimRandom(seed: 0x7011)
        let types = ["down", "blackhole", "latency", "bandwidth", "reset_peer", "slicer", "limit_data", "timeout",
            "drop_first_connections", "drop_first_chunks", "toaster", ""]
        let attributes = ["latency", "jitter", "rate", "timeout", "bytes", "count", "average_size", "size_variation",
            "delay", "x"]
        let values: [Int64] = [-1, 0, 1, 7, 1_000, 86_400_000, Int64.max, Int64.min]
        var made = 0
        for _ in 0..<Self.rounds {
            let description = ToxicDescription(
                name: Bool.random(using: &random) ? nil : ["a", "", "x y", String(repeating: "n", count: 70)].randomElement(using: &random),
                type: types.randomElement(using: &random)!,
                stream: [nil, "upstream", "downstream", "both", "sideways"].randomElement(using: &random)!,
                toxicity: [nil, -0.5, 0, 0.5, 1, 1.5, .nan, .infinity].randomElement(using: &random)!,
                attributes: Dictionary(
                    (0..<Int.random(in: 0...3, using: &random)).map { _ in
                        (attributes.randomElement(using: &random)!, values.randomElement(using: &random)!)
                    },
                    uniquingKeysWith: { first, _ in first }
                ),
                durationMilliseconds: [nil, -5, 0, 10, Int64.max].randomElement(using: &random)!
            )
            do {
                _ = try description.toxic()
                made += 1
            } catch {
                #expect(error.field != nil && !(error.field ?? "").isEmpty, "\(error)")
            }
        }
        #expect(made > 0)
    }

    static func readAll(_ bytes: [UInt8]) -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 0
        while case .record(let body, let size) = SpoolFraming.parse(bytes[offset...]) {
            records.append(body)
            offset += size
        }
        return records
    }

    /// The scenario with one JSON value (a string or number after a colon) replaced by one of `replacements`.
    static func replacingAValue(
        in text: String,
        with replacements: [String],
        using random: inout SimRandom
    ) -> [UInt8] {
        let colons = text.indices.filter { text[$0] == ":" }
        let colon = colons.randomElement(using: &random)!
        var start = text.index(after: colon)
        while text[start] == " " { start = text.index(after: start) }
        var end = start
        if text[start] == "\"" {
            end = text[text.index(after: start)...].firstIndex(of: "\"").map { text.index(after: $0) } ?? text.endIndex
        } else {
            while end < text.endIndex, !",}]".contains(text[end]) { end = text.index(after: end) }
        }
        var copy = text
        copy.replaceSubrange(start..<end, with: replacements.randomElement(using: &random)!)
        return Array(copy.utf8)
    }
}

/// Random and damaged byte strings for the fuzz tests.
enum FuzzBytes {
    static func random(count: Int, using random: inout SimRandom) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    /// `bytes` with one damage at `index`: a flipped bit, a cut there, or 1-8 random bytes inserted.
    static func damage(_ bytes: [UInt8], at index: Int, using random: inout SimRandom) -> [UInt8] {
        var copy = bytes
        switch Int.random(in: 0..<3, using: &random) {
        case 0: copy[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
        case 1: copy.removeSubrange(index...)
        default: copy.insert(contentsOf: Self.random(count: Int.random(in: 1...8, using: &random), using: &random), at: index)
        }
        return copy
    }
}
