import Domain
import Foundation
import Testing

@testable import Store

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "The quick brown fox jumps over the lazy dog",
            "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
        ),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test func millionAs() {
        #expect(
            SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        )
    }
}

@Suite struct TimestampTextTests {
    @Test(arguments: [0.0, 1_700_000_000.123456, -86_400.5, 951_782_400.000001, 4_102_444_800.999999])
    func roundTrip(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let parsed = try #require(TimestampText.parse(TimestampText.format(date)))
        #expect(abs(parsed.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test func parsesServerForms() throws {
        #expect(TimestampText.parse("1970-01-01 00:00:00+00")?.timeIntervalSince1970 == 0)
        #expect(TimestampText.parse("1970-01-01 01:00:00+01")?.timeIntervalSince1970 == 0)
        #expect(TimestampText.parse("1970-01-02")?.timeIntervalSince1970 == 86_400)
        #expect(TimestampText.parse("2000-02-29 12:30:15.5")?.timeIntervalSince1970 == 951_827_415.5)
        #expect(TimestampText.parse("not a date") == nil)
        #expect(TimestampText.format(Date(timeIntervalSince1970: 0)) == "1970-01-01 00:00:00.000000+00")
    }
}

@Suite struct StagedRangesTests {
    @Test func eachStreamGetsItsOwnFirstAndLastInstant() {
        let site = UUID()
        let a = UUID(uuidString: "00000000-0000-0000-0000-00000000000a")!
        let b = UUID(uuidString: "00000000-0000-0000-0000-00000000000b")!
        let readings = [
            Reading(streamID: b, siteID: site, micros: 50, value: 0),
            Reading(streamID: a, siteID: site, micros: 3_600_000_000, value: 0),
            Reading(streamID: a, siteID: site, micros: 0, value: 0),
            Reading(streamID: b, siteID: site, micros: 40, value: 0),
            Reading(streamID: a, siteID: site, micros: 7, value: 0),
        ]
        let ranges = StagedRanges(readings)
        #expect(ranges.streamList == "{\(a.uuidString.lowercased()),\(b.uuidString.lowercased())}")
        #expect(ranges.firstList == "{0,40}")
        #expect(ranges.lastList == "{3600000000,50}")
    }
}
