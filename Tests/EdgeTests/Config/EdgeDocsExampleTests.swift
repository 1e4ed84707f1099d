import Edge
import Foundation
import Testing

@Suite("docs/edge.md")
struct EdgeDocsExampleTests {
    @Test func theExampleConfigParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/edge.md"), encoding: .utf8)
        let after = try #require(doc.components(separatedBy: "### Example").dropFirst().first)
        let block = try #require(
            after.components(separatedBy: "```ini\n").dropFirst().first?.components(separatedBy: "```").first
        )
        let configuration = try EdgeConfigurationFixtures.parse(block)
        let device = try #require(configuration.devices.first)
        #expect(device.points.map(\.stream).prefix(2) == ["pv_power", "ac_power"])
        #expect(device.pollInterval == .seconds(5) && configuration.uplink.token == "s3cret-token")
    }
}
