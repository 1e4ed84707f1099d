import API
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

@testable import Edge

@Suite struct UplinkRequestsTests {
    @Test func aBatchBecomesOneRequestPerDeviceInOrderWithDeterministicIDs() {
        let readings = (0..<7).map { patternReading($0, devices: ["dev-a", "dev-b", "dev-c"]) }
        let batch = SpoolBatch(firstSequence: 11, lastSequence: 17, readings: readings)
        let requests = UplinkRequests.make(batch, spoolIdentity: "abc")
        #expect(requests.map(\.batch.deviceID) == ["dev-a", "dev-b", "dev-c"])
        #expect(requests[0].batch.readings.map(\.value) == [0.25, 3.25, 6.25])
        #expect(requests[1].batch.readings.map(\.stream) == ["s1", "s0"])
        #expect(requests[0].batch.readings[0].timestamp.date == readings[0].timestamp)
        #expect(requests[0].batch.readings[0].unit == "W")
        #expect(requests[2].requestID == "edge:abc:11-17:dev-c")
        #expect(UplinkRequests.make(batch, spoolIdentity: "abc") == requests)
        #expect(UplinkRequests.make(batch, spoolIdentity: "abd")[0].requestID != requests[0].requestID)
    }

    @Test func aRequestIDStaysWithinTheServersLimit() {
        let batch = SpoolBatch(firstSequence: UInt64.max - 1, lastSequence: UInt64.max, readings: [])
        let identity = String(repeating: "f", count: 32)
        let long = UplinkRequests.requestID(identity, batch, device: String(repeating: "d", count: 200))
        #expect(long.count <= 128)
        #expect(long != UplinkRequests.requestID(identity, batch, device: String(repeating: "e", count: 200)))
        #expect(UplinkRequests.requestID(identity, batch, device: UUID().uuidString).count <= 128)
    }

    @Test(arguments: [
        (RPCError.Code.unavailable, UplinkFailure.retry), (.deadlineExceeded, .retry), (.unauthenticated, .retry),
        (.permissionDenied, .retry), (.internalError, .retry), (.resourceExhausted, .retry),
        (.invalidArgument, .reject), (.notFound, .reject),
    ])
    func failuresAreRetriedUnlessThePlatformRefusesTheReadings(code: RPCError.Code, expected: UplinkFailure) {
        #expect(UplinkFailure.classify(code) == expected)
    }

    @Test func aViolationNamesAReadingIndex() {
        #expect(UplinkFailure.readingIndex("batch.readings[12].value") == 12)
        #expect(UplinkFailure.readingIndex("batch.device_id") == nil)
        #expect(UplinkFailure.readingIndex("batch.readings[x].value") == nil)
    }

    @Test func theBackoffDoublesUpToItsMaximumWithinTheJitter() {
        let backoff = UplinkBackoff(initial: .milliseconds(100), maximum: .seconds(2), jitter: 0.2)
        func close(_ delay: Duration, _ expected: Duration) -> Bool {
            delay - expected < .microseconds(1) && expected - delay < .microseconds(1)
        }
        #expect(close(backoff.delay(attempt: 1, random: 0.5), .milliseconds(100)))
        #expect(close(backoff.delay(attempt: 3, random: 0.5), .milliseconds(400)))
        #expect(close(backoff.delay(attempt: 30, random: 0.5), .seconds(2)))
        #expect(close(backoff.delay(attempt: 1, random: 0), .milliseconds(80)))
        #expect(backoff.delay(attempt: 30, random: 0.999_999) < .milliseconds(2401))
    }

    @Test func aBadConfigurationNamesTheField() {
        #expect(throws: UplinkError("uplink.token is required")) {
            try UplinkConfiguration(target: "127.0.0.1:1", token: "").validate()
        }
        #expect(throws: UplinkError("uplink.batch_size must be between 1 and 10000 (got 0)")) {
            try UplinkConfiguration(target: "127.0.0.1:1", token: "t", batchLimit: 0).validate()
        }
    }
}
