import Testing

@testable import Simulator

@Suite("Toxic validation")
struct ToxicValidationTests {
    struct Case: Sendable, CustomStringConvertible {
        var toxic: Toxic
        var field: String
        var description: String { "\(self.toxic.kind.typeName) -> \(self.field)" }
    }

    static let invalid: [Case] = [
        Case(toxic: Toxic(.latency(.milliseconds(-1), jitter: .zero)), field: "latency"),
        Case(toxic: Toxic(.latency(.milliseconds(10), jitter: .milliseconds(-5))), field: "jitter"),
        Case(toxic: Toxic(.latency(.seconds(90_000), jitter: .zero)), field: "latency"),
        Case(toxic: Toxic(.bandwidth(kilobytesPerSecond: 0)), field: "rate"),
        Case(toxic: Toxic(.bandwidth(kilobytesPerSecond: -3)), field: "rate"),
        Case(toxic: Toxic(.resetPeer(after: .milliseconds(-1))), field: "timeout"),
        Case(toxic: Toxic(.slicer(averageSize: 0, sizeVariation: 0, delay: .zero)), field: "average_size"),
        Case(toxic: Toxic(.slicer(averageSize: 10, sizeVariation: 10, delay: .zero)), field: "size_variation"),
        Case(toxic: Toxic(.slicer(averageSize: 10, sizeVariation: 1, delay: .microseconds(-1))), field: "delay"),
        Case(toxic: Toxic(.limitData(bytes: -1)), field: "bytes"),
        Case(toxic: Toxic(.timeout(after: .milliseconds(-1))), field: "timeout"),
        Case(toxic: Toxic(.dropFirstConnections(count: 0)), field: "count"),
        Case(toxic: Toxic(.dropFirstChunks(count: -2)), field: "count"),
        Case(toxic: Toxic(.down, direction: .upstream), field: "stream"),
        Case(toxic: Toxic(.dropFirstConnections(count: 1), direction: .downstream), field: "stream"),
        Case(toxic: Toxic(.blackhole, toxicity: 1.5), field: "toxicity"),
        Case(toxic: Toxic(.blackhole, toxicity: -0.1), field: "toxicity"),
        Case(toxic: Toxic(name: "", .blackhole), field: "name"),
        Case(toxic: Toxic(name: "has space", .blackhole), field: "name"),
        Case(toxic: Toxic(.blackhole, lifetime: .timed(.zero)), field: "duration"),
        Case(toxic: Toxic(.blackhole, lifetime: .timed(.seconds(-1))), field: "duration"),
    ]

    @Test("an invalid toxic is refused with the field named", arguments: Self.invalid)
    func refusesNamingTheField(_ testCase: Case) {
        #expect {
            try testCase.toxic.validate()
        } throws: { error in
            let error = error as? FaultProxyError
            return error?.code == .invalidArgument && error?.field == testCase.field
                && (error?.message.hasPrefix(testCase.field + ":") ?? false)
        }
    }

    static let valid: [Toxic] = [
        Toxic(.down),
        Toxic(.blackhole, direction: .downstream),
        Toxic(.latency(.zero, jitter: .zero)),
        Toxic(.latency(.milliseconds(100), jitter: .milliseconds(150)), direction: .upstream),
        Toxic(.bandwidth(kilobytesPerSecond: 1)),
        Toxic(.resetPeer(after: .zero)),
        Toxic(.slicer(averageSize: 1, sizeVariation: 0, delay: .zero)),
        Toxic(.limitData(bytes: 0)),
        Toxic(.timeout(after: nil)),
        Toxic(.dropFirstConnections(count: 3)),
        Toxic(.dropFirstChunks(count: 1), direction: .upstream),
        Toxic(name: "flap.zone-a_1", .down, toxicity: 0, lifetime: .timed(.milliseconds(1))),
    ]

    @Test("valid toxics pass", arguments: Self.valid)
    func acceptsValid(_ toxic: Toxic) throws {
        try toxic.validate()
    }

    @Test func defaultNameIsTypeAndStream() {
        #expect(Toxic(.resetPeer(after: .zero), direction: .downstream).name == "reset_peer_downstream")
        #expect(Toxic(.limitData(bytes: 4)).name == "limit_data_both")
    }

    @Test func directionParsingNamesTheField() {
        #expect(throws: FaultProxyError.invalid("stream", "'sideways' is not upstream, downstream or both")) {
            try ToxicDirection(parsing: "sideways")
        }
        #expect((try? ToxicDirection(parsing: "Downstream")) == .downstream)
        #expect(ToxicDirection.both.covers(.upstream) && ToxicDirection.both.covers(.downstream))
        #expect(!ToxicDirection.upstream.covers(.downstream))
    }
}
