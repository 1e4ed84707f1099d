import CoreTransport
import GRPCCore
import Testing

@Suite("Metadata over the C core")
struct MetadataTests {
    @Test("request, response and trailing metadata round-trip, including -bin keys")
    func roundTrip() async throws {
        try await TransportHarness.run { client, _, _ in
            let binary: [UInt8] = [0, 1, 2, 255, 254, 10, 13]
            var metadata: Metadata = ["x-echo-metadata": "1", "x-text": "hello world"]
            metadata.addBinary(binary, forKey: "x-blob-bin")
            metadata.addString("second", forKey: "x-text")
            let response = try await client.unaryBytes([9], metadata: metadata)
            let trailers = try #require(response.accepted.get().trailingMetadata)
            for received in [response.metadata, trailers] {
                #expect(Array(received[stringValues: "x-text"]) == ["hello world", "second"])
                #expect(Array(received[binaryValues: "x-blob-bin"]) == [binary])
            }
        }
    }

    @Test("invalid and reserved keys are dropped instead of failing the call")
    func sanitized() async throws {
        try await TransportHarness.run { client, _, _ in
            let metadata: Metadata = [
                "x-echo-metadata": "1",
                "X-Upper": "kept as lowercase",
                "x-bad key": "space in key",
                "x-bad-value": "line\nbreak",
                "content-type": "text/plain",
            ]
            let response = try await client.unaryBytes([1], metadata: metadata)
            #expect(Array(response.metadata[stringValues: "x-upper"]) == ["kept as lowercase"])
            #expect(Array(response.metadata[stringValues: "x-bad key"]).isEmpty)
            #expect(Array(response.metadata[stringValues: "x-bad-value"]).isEmpty)
            #expect(try response.message == [1])
        }
    }

    @Test("the client's deadline reaches the server handler as grpc-timeout")
    func deadlinePropagates() async throws {
        let service = ConformanceService()
        let elapsed = try await TransportHarness.run(services: [service]) { client, _, _ in
            var options = CallOptions.defaults
            options.timeout = .seconds(30)
            let started = ContinuousClock.now
            _ = try await client.unaryBytes([1], options: options)
            return ContinuousClock.now - started
        }
        let header = try #require(service.probe.deadlines.first)
        // Encoded in some unit; decode and check it is under 30 s by no more than the call took (a loaded machine
        // can take seconds to connect), with a second's slack for the unit's rounding.
        let unit = header.last!
        let value = Double(header.dropLast())!
        let scale: [Character: Double] = ["n": 1e-9, "u": 1e-6, "m": 1e-3, "S": 1, "M": 60, "H": 3600]
        let seconds = value * scale[unit]!
        let callSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        #expect(seconds <= 30 && seconds >= 30 - callSeconds - 1, "\(header) after a \(elapsed) call")
    }
}
