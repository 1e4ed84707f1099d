import Foundation
import HarvestryApp
import Testing

@Suite("Session tokens (HS256)")
struct SessionTokenTests {
    static let key = Array("0123456789abcdef0123456789abcdef".utf8)
    static let claims = SessionClaims(
        sessionID: "5b0f8a43-2f7e-4a55-9a56-0c1d2e3f4a5b",
        userID: "6c1f8a43-2f7e-4a55-9a56-0c1d2e3f4a5b",
        organizationID: "7d2f8a43-2f7e-4a55-9a56-0c1d2e3f4a5b",
        issuedAt: 1_000,
        expiresAt: 2_000
    )

    @Test("a signed token verifies to its claims before expiry")
    func roundTrip() throws {
        let signer = try SessionTokenSigner(key: Self.key)
        let token = signer.sign(Self.claims)
        #expect(token.split(separator: ".").count == 3)
        #expect(try signer.verify(token, now: 1_999) == Self.claims)
    }

    @Test("the header is the standard HS256 JWT header and the payload is plain JSON claims")
    func jwtShape() throws {
        let token = try SessionTokenSigner(key: Self.key).sign(Self.claims)
        let parts = token.split(separator: ".").map(String.init)
        func json(_ part: String) throws -> [String: Any] {
            var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            let data = try #require(Data(base64Encoded: base64))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let header = try json(parts[0])
        #expect(header["alg"] as? String == "HS256")
        let payload = try json(parts[1])
        #expect(payload["sid"] as? String == Self.claims.sessionID)
        #expect(payload["sub"] as? String == Self.claims.userID)
        #expect(payload["org"] as? String == Self.claims.organizationID)
        #expect((payload["exp"] as? NSNumber)?.int64Value == 2_000)
    }

    @Test("expired at exp, not before")
    func expiry() throws {
        let signer = try SessionTokenSigner(key: Self.key)
        let token = signer.sign(Self.claims)
        let error = #expect(throws: SessionTokenError.self) { try signer.verify(token, now: 2_000) }
        #expect(error?.code == .expired)
    }

    @Test("another key's token is a bad signature")
    func otherKey() throws {
        let token = try SessionTokenSigner(key: Array(repeating: 7, count: 32)).sign(Self.claims)
        let error = #expect(throws: SessionTokenError.self) {
            try SessionTokenSigner(key: Self.key).verify(token, now: 1_500)
        }
        #expect(error?.code == .badSignature)
    }

    @Test("a payload changed after signing is refused", arguments: [1, 2])
    func tampered(part: Int) throws {
        let signer = try SessionTokenSigner(key: Self.key)
        var other = Self.claims
        other.userID = "someone-else"
        other.expiresAt = 9_999
        let forged = signer.sign(other).split(separator: ".")
        var parts = signer.sign(Self.claims).split(separator: ".").map(String.init)
        // Splice in the other token's payload (part 1) or signature (part 2).
        parts[part] = String(forged[part])
        let error = #expect(throws: SessionTokenError.self) {
            try signer.verify(parts.joined(separator: "."), now: 1_500)
        }
        #expect(error?.code == .badSignature)
    }

    @Test(
        "garbage is malformed",
        arguments: ["", "abc", "a.b", "a.b.c.d", "....", "x.y.!!!", String(repeating: "a", count: 5000)]
    )
    func garbage(token: String) throws {
        let error = #expect(throws: SessionTokenError.self) {
            try SessionTokenSigner(key: Self.key).verify(token, now: 1_500)
        }
        #expect(error?.code == .malformed || error?.code == .badSignature)
    }

    @Test("alg none is never accepted")
    func algNone() throws {
        let signer = try SessionTokenSigner(key: Self.key)
        let payload = signer.sign(Self.claims).split(separator: ".")[1]
        let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
        #expect(throws: SessionTokenError.self) { try signer.verify("\(header).\(payload).", now: 1_500) }
    }

    @Test("keys shorter than 32 bytes are refused")
    func shortKey() {
        #expect(throws: TokenKeyError.self) { try SessionTokenSigner(key: Array(repeating: 1, count: 31)) }
        #expect(throws: TokenKeyError.self) { try TokenKey.fromSecret("short") }
    }

    @Test("the key file is created once with mode 0600 and then reused")
    func keyFile() throws {
        let directory = NSTemporaryDirectory() + "harvestry-key-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try TokenKey.loadOrCreate(inDirectory: directory)
        let second = try TokenKey.loadOrCreate(inDirectory: directory)
        #expect(first == second)
        #expect(first.count == 32)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/token.key")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        chmod(directory + "/token.key", 0o644)
        #expect(throws: TokenKeyError.self) { try TokenKey.loadOrCreate(inDirectory: directory) }
    }
}
