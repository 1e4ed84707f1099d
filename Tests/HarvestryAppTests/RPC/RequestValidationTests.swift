import Foundation
import GRPCCore
import GRPCProtobuf
import Testing

@testable import HarvestryApp

@Suite("Resource names and field violations")
struct RequestValidationTests {
    static let id = "3f2b8c1e-7a44-4c1b-9a0e-5d6c7b8a9f01"
    static let other = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

    @Test(
        "names that do not match their pattern are refused",
        arguments: [
            "", "sites", "sites/", "site/\(id)", "sites/\(id)/room/\(other)", "sites/\(id)/rooms",
            "sites/\(id)/rooms/\(other)/zones", "sites/not-a-uuid/rooms/\(other)", "sites/\(id)/rooms/\(other)/",
            "/sites/\(id)/rooms/\(other)", "sites/\(id)//rooms/\(other)",
            "sites/\(id)/rooms/\(String(repeating: "a", count: 600))",
        ]
    )
    func malformed(name: String) {
        #expect(ResourcePattern.room.parse(name) == nil)
    }

    @Test("a name parses to its ids, in any letter case, and formats back in lower case")
    func roundTrip() throws {
        let name = try #require(ResourcePattern.room.parse("sites/\(Self.id.uppercased())/rooms/\(Self.other)"))
        #expect(name.site == UUID(uuidString: Self.id))
        #expect(name["room"] == UUID(uuidString: Self.other))
        #expect(ResourcePattern.room.format(name["site"], name["room"]) == "sites/\(Self.id)/rooms/\(Self.other)")
        let health = try #require(ResourcePattern.deviceHealth.parse("sites/\(Self.id)/equipment/\(Self.other)/health"))
        #expect(health["equipment"] == UUID(uuidString: Self.other))
        #expect(ResourcePattern.deviceHealth.format(health["site"], health["equipment"]).hasSuffix("/health"))
    }

    @Test("every violation is reported, with one ErrorInfo naming the first")
    func allViolations() throws {
        var violations = FieldViolations()
        violations.required("a", "")
        violations.required("b", String(repeating: "x", count: 201))
        violations.code("c", "-bad")
        violations.word("d", "Kitchen", oneOf: ["veg", "flower"])
        violations.uuid("e", "nope")
        #expect(violations.required("f", "ok") == "ok")
        #expect(violations.word("g", "VEG", oneOf: ["veg"]) == "veg")
        let status = try #require(violations.status)
        #expect(status.code == .invalidArgument)
        let infos = status.details.compactMap(\.errorInfo)
        #expect(infos.count == 1)
        #expect(infos.first?.reason == "FIELD_REQUIRED")
        #expect(infos.first?.domain == "harvestry.io")
        #expect(infos.first?.metadata["field"] == "a")
        let fields = status.details.compactMap(\.badRequest).flatMap(\.violations).map(\.field)
        #expect(fields == ["a", "b", "c", "d", "e"])
        #expect(throws: GoogleRPCStatus.self) { try violations.check() }
        #expect(throws: Never.self) { try FieldViolations().check() }
    }

    @Test(
        "codes: letters, digits, '.', '_', '-', 1-40, starting with a letter or digit",
        arguments: [
            ("VEG-1", true), ("a", true), ("A.b_c-9", true), (String(repeating: "a", count: 40), true),
            ("", false), ("-a", false), ("a b", false), ("é1", false), (String(repeating: "a", count: 41), false),
        ]
    )
    func codes(code: String, valid: Bool) {
        var violations = FieldViolations()
        violations.code("code", code)
        #expect(violations.isEmpty == valid)
    }

    @Test(
        "calendar dates are real YYYY-MM-DD days",
        arguments: [
            ("2025-12-31", true), ("2024-02-29", true), ("2025-02-29", false), ("2025-13-01", false),
            ("25-12-31", false),
            ("2025-1-01", false), ("2025-12-31T00:00:00Z", false),
        ]
    )
    func dates(text: String, valid: Bool) {
        let date = CalendarDate.parse(text)
        #expect((date != nil) == valid)
        if let date { #expect(CalendarDate.format(date) == text) }
    }
}
