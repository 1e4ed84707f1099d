import Foundation
import Testing

@testable import Simulator

@Suite("Toxic descriptions (outside input)")
struct ToxicDescriptionTests {
    @Test func decodesToxiproxyShapedJSON() throws {
        let json = """
            {"type": "latency", "stream": "downstream", "toxicity": 0.5,
             "attributes": {"latency": 250, "jitter": 20}, "duration_ms": 1500}
            """
        let description = try JSONDecoder().decode(ToxicDescription.self, from: Data(json.utf8))
        let toxic = try description.toxic()
        #expect(toxic.kind == .latency(.milliseconds(250), jitter: .milliseconds(20)))
        #expect(toxic.direction == .downstream)
        #expect(toxic.toxicity == 0.5)
        #expect(toxic.lifetime == .timed(.milliseconds(1500)))
        #expect(toxic.name == "latency_downstream")
    }

    @Test func mapsEveryTypeWithToxiproxyUnits() throws {
        let pairs: [(ToxicDescription, Toxic.Kind)] = [
            (.init(type: "down"), .down),
            (.init(type: "blackhole", stream: "upstream"), .blackhole),
            (.init(type: "bandwidth", attributes: ["rate": 64]), .bandwidth(kilobytesPerSecond: 64)),
            (.init(type: "reset_peer", attributes: ["timeout": 300]), .resetPeer(after: .milliseconds(300))),
            (
                .init(type: "slicer", attributes: ["average_size": 16, "size_variation": 4, "delay": 500]),
                .slicer(averageSize: 16, sizeVariation: 4, delay: .microseconds(500))
            ),
            (.init(type: "limit_data", attributes: ["bytes": 100]), .limitData(bytes: 100)),
            (.init(type: "timeout", attributes: ["timeout": 0]), .timeout(after: nil)),
            (.init(type: "timeout", attributes: ["timeout": 40]), .timeout(after: .milliseconds(40))),
            (.init(type: "drop_first_connections", attributes: ["count": 2]), .dropFirstConnections(count: 2)),
            (.init(type: "drop_first_chunks", attributes: ["count": 5]), .dropFirstChunks(count: 5)),
        ]
        for (description, kind) in pairs {
            #expect(try description.toxic().kind == kind)
        }
    }

    @Test(
        "bad descriptions name the field",
        arguments: [
            (ToxicDescription(type: "lag"), "type"),
            (ToxicDescription(type: "latency", stream: "sideways"), "stream"),
            (ToxicDescription(type: "latency", attributes: ["latency": -5]), "latency"),
            (ToxicDescription(type: "latency", attributes: ["delay": 5]), "attributes.delay"),
            (ToxicDescription(type: "bandwidth"), "attributes.rate"),
            (ToxicDescription(type: "bandwidth", attributes: ["rate": 0]), "rate"),
            (ToxicDescription(type: "blackhole", durationMilliseconds: 0), "duration"),
            (ToxicDescription(type: "blackhole", toxicity: 2), "toxicity"),
            (ToxicDescription(type: "down", stream: "upstream"), "stream"),
        ]
    )
    func namesTheField(_ description: ToxicDescription, _ field: String) {
        #expect {
            try description.toxic()
        } throws: { error in
            (error as? FaultProxyError)?.field == field
        }
    }
}
