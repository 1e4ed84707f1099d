import Foundation

/// What the caller of a mutation supplies for the audit row the mutation writes in its transaction: the request id
/// (AIP-155), an optional note (e.g. the reason for an override) and, for dual-control actions, the second person.
/// The actor, organization and site come from the `AccessScope`; action and resource from the repository method.
public struct AuditContext: Sendable, Hashable {
    public var requestID: String?
    public var note: String?
    public var witnessUserID: UUID?

    public init(requestID: String? = nil, note: String? = nil, witnessUserID: UUID? = nil) {
        self.requestID = requestID
        self.note = note
        self.witnessUserID = witnessUserID
    }

    public func validate() throws {
        try Validate.text(self.requestID, field: "request_id", maximum: 128)
        try Validate.text(self.note, field: "audit.note", maximum: 1000)
    }

    /// No request id, no note.
    public static let none = AuditContext()
}

/// One audited change, before it is chained.
public struct AuditEvent: Sendable, Hashable {
    public var organizationID: UUID
    /// nil for organization-level events (users, badges, sessions); they chain per organization.
    public var siteID: UUID?
    public var actorUserID: UUID?
    /// Lowercase dotted verb, e.g. `room.create`, `badge.revoke`.
    public var action: String
    public var resourceType: String
    public var resourceID: String
    public var requestID: String?
    /// Canonical JSON (sorted keys) of what changed; stored as text so its bytes are exactly what was hashed.
    public var details: String
    /// Microseconds since 1970 UTC: the precision of timestamptz, and exact in the hash.
    public var occurredAtMicros: Int64

    public init(
        organizationID: UUID,
        siteID: UUID?,
        actorUserID: UUID?,
        action: String,
        resourceType: String,
        resourceID: String,
        requestID: String?,
        details: String,
        occurredAtMicros: Int64
    ) {
        self.organizationID = organizationID
        self.siteID = siteID
        self.actorUserID = actorUserID
        self.action = action
        self.resourceType = resourceType
        self.resourceID = resourceID
        self.requestID = requestID
        self.details = details
        self.occurredAtMicros = occurredAtMicros
    }

    /// The chain the event belongs to: its site's, or its organization's.
    public var chainID: UUID { self.siteID ?? self.organizationID }

    /// Sorted-key JSON of string pairs, the `details` format.
    public static func details(_ pairs: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(pairs)).flatMap { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Now, in microseconds since 1970.
    public static func nowMicros() -> Int64 { Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()) }
}

/// An audit row as stored: the event, its place in its chain, and the hashes linking it.
public struct AuditEntry: Sendable, Hashable {
    public var chainID: UUID
    public var seq: Int64
    public var event: AuditEvent
    public var prevHash: [UInt8]
    public var rowHash: [UInt8]

    public init(chainID: UUID, seq: Int64, event: AuditEvent, prevHash: [UInt8], rowHash: [UInt8]) {
        self.chainID = chainID
        self.seq = seq
        self.event = event
        self.prevHash = prevHash
        self.rowHash = rowHash
    }
}
