import Fieldbus
import Foundation
import Simulator
import Testing

@Suite("Register map documentation")
struct RegisterMapDocumentationTests {
    @Test func docsSimulatorTableMatchesTheDataFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/simulator.md"), encoding: .utf8)
        let csv = try String(
            contentsOf: root.appendingPathComponent("RegisterMaps/sungrow.csv"),
            encoding: .utf8
        )
        // From the heading to the next heading of any level: the table and nothing of the sections after it.
        let after = try #require(doc.components(separatedBy: "### Register map").dropFirst().first)
        let section = after.split(separator: "\n").prefix { !$0.hasPrefix("#") }
        let rows = section.filter {
            $0.hasPrefix("| ") && !$0.hasPrefix("| name") && !$0.hasPrefix("| ---")
        }
        .map {
            $0.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let expected = csv.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return [f[0], f[1], String(Int(f[1])! - 1), f[2], f[3], f[4], f[5], f[6]]
        }
        #expect(rows == expected)
        // And the embedded copy is the data file (scripts/generate --check says the same).
        #expect(try SungrowRegisterMap(csv: csv) == SungrowRegisterMap.standard)
    }
}
