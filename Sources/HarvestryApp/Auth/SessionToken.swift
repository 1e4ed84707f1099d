import Crypto
import Foundation

/// What a session token says: which session, whose, in which organization, until when.
public struct SessionClaims: Sendable, Hashable, Codable {
    /// The device session the token is bound to (`sid`).
    public var sessionID: String
    /// The signed-in user (`sub`).
    public var userID: String
    /// The user's organization (`org`).
    public var organizationID: String
    /// Issued at, seconds since 1970 (`iat`).
    public var issuedAt: Int64
    /// Expires at, seconds since 1970 (`exp`); the token is refused from this second on.
    public var expiresAt: Int64

    public init(sessionID: String, userID: String, organizationID: String, issuedAt: Int64, expiresAt: Int64) {
        self.sessionID = sessionID
        self.userID = userID
        self.organizationID = organizationID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "sid"
        case userID = "sub"
        case organizationID = "org"
        case issuedAt = "iat"
        case expiresAt = "exp"
    }
}

/// Why a token was refused. The client only ever learns UNAUTHENTICATED; the code is for logs and tests.
public struct SessionTokenError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// Not three base64url parts, or a header or payload that does not decode.
        case malformed
        /// The header names another algorithm than HS256.
        case unsupportedAlgorithm
        /// The signature does not match the key.
        case badSignature
        /// Past `exp`.
        case expired
    }

    public var code: Code
    public var description: String { "session token refused: \(self.code.rawValue)" }

    public init(_ code: Code) { self.code = code }
}

/// Signs and verifies session tokens: compact JWS (JWT) with HS256 over the claims above.
///
/// Verification recomputes the HMAC and compares in constant time (swift-crypto's
/// `isValidAuthenticationCode`) before it looks at the payload, so a forged token learns nothing.
public struct SessionTokenSigner: Sendable {
    private let key: SymmetricKey

    /// The key must hold at least 32 bytes (the HS256 security level).
    public init(key: [UInt8]) throws(TokenKeyError) {
        guard key.count >= TokenKey.minimumBytes else {
            throw TokenKeyError(message: "the key is shorter than 32 bytes")
        }
        self.key = SymmetricKey(data: key)
    }

    private static let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    public func sign(_ claims: SessionClaims) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Encoding five plain fields cannot fail.
        let payload = (try? encoder.encode(claims)) ?? Data()
        let signingInput = Self.header + "." + Base64URL.encode(Array(payload))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: self.key)
        return signingInput + "." + Base64URL.encode(Array(mac))
    }

    /// The claims of a token this key signed that has not expired at `now` (seconds since 1970).
    public func verify(_ token: String, now: Int64) throws(SessionTokenError) -> SessionClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count <= 4096 else { throw SessionTokenError(.malformed) }
        guard let signature = Base64URL.decode(parts[2]) else { throw SessionTokenError(.malformed) }
        let signingInput = token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Array(signingInput), using: self.key)
        else { throw SessionTokenError(.badSignature) }
        guard let headerBytes = Base64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode([String: String].self, from: Data(headerBytes))
        else { throw SessionTokenError(.malformed) }
        guard header["alg"] == "HS256" else { throw SessionTokenError(.unsupportedAlgorithm) }
        guard let payload = Base64URL.decode(parts[1]),
            let claims = try? JSONDecoder().decode(SessionClaims.self, from: Data(payload))
        else { throw SessionTokenError(.malformed) }
        guard now < claims.expiresAt else { throw SessionTokenError(.expired) }
        return claims
    }
}

/// Base64 with the URL alphabet and no padding (RFC 7515 §2).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: Substring) -> [UInt8]? {
        guard text.utf8.allSatisfy({ $0.isBase64URL }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = base64.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { base64 += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }
}

extension UInt8 {
    fileprivate var isBase64URL: Bool {
        (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) || (0x30...0x39).contains(self)
            || self == 0x2D || self == 0x5F
    }
}
