import Foundation

/// The audit hash chain. Each row's hash is SHA-256 over its canonical bytes, which include the previous row's hash
/// (32 zero bytes for the first row of a chain), so changing, deleting or reordering a row breaks every later link.
///
/// Canonical bytes: the tag `harvestry.audit.v1`, then every field in a fixed order, each as a 4-byte big-endian
/// length and its UTF-8 bytes (length 0xFFFFFFFF for NULL): chain id, seq (decimal), organization id, site id, actor
/// id (UUIDs lowercase), action, resource type, resource id, request id, details, occurred-at microseconds (decimal),
/// prev hash (raw 32 bytes).
public enum AuditChain {
    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    public static func canonicalBytes(chainID: UUID, seq: Int64, event: AuditEvent, prevHash: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = Array("harvestry.audit.v1".utf8)
        func field(_ value: [UInt8]?) {
            guard let value else {
                bytes.append(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF])
                return
            }
            let count = UInt32(value.count)
            bytes.append(contentsOf: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: count >> $0) })
            bytes.append(contentsOf: value)
        }
        func text(_ value: String?) { field(value.map { Array($0.utf8) }) }
        func uuid(_ value: UUID?) { text(value?.uuidString.lowercased()) }
        uuid(chainID)
        text(String(seq))
        uuid(event.organizationID)
        uuid(event.siteID)
        uuid(event.actorUserID)
        text(event.action)
        text(event.resourceType)
        text(event.resourceID)
        text(event.requestID)
        text(event.details)
        text(String(event.occurredAtMicros))
        field(prevHash)
        return bytes
    }

    /// The row hash of `event` at `seq` in `chainID`, after `prevHash`.
    public static func rowHash(chainID: UUID, seq: Int64, event: AuditEvent, prevHash: [UInt8]) -> [UInt8] {
        SHA256.hash(self.canonicalBytes(chainID: chainID, seq: seq, event: event, prevHash: prevHash))
    }

    /// The entry that follows a chain head (`seq`, `hash`) with `event`.
    public static func append(_ event: AuditEvent, afterSeq seq: Int64, hash: [UInt8]) -> AuditEntry {
        let chainID = event.chainID
        return AuditEntry(
            chainID: chainID,
            seq: seq + 1,
            event: event,
            prevHash: hash,
            rowHash: self.rowHash(chainID: chainID, seq: seq + 1, event: event, prevHash: hash)
        )
    }
}

/// Why a chain does not verify, and where.
public struct AuditFault: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The row's stored hash is not the hash of its contents: the row was edited.
        case rowHashMismatch = "row_hash_mismatch"
        /// The row's prev_hash is not the previous row's hash: a row before it was deleted, inserted or reordered.
        case brokenLink = "broken_link"
        /// Sequence numbers skip or repeat: rows were deleted or reordered.
        case sequenceGap = "sequence_gap"
        /// The chain head (last seq/hash) does not match the last row: rows at the end were deleted or added.
        case headMismatch = "head_mismatch"
        /// The row claims another chain than the one it is in.
        case wrongChain = "wrong_chain"
    }

    public var kind: Kind
    public var chainID: UUID
    /// The first row that does not verify (for `headMismatch`, the head's seq).
    public var seq: Int64
    public var detail: String

    public init(kind: Kind, chainID: UUID, seq: Int64, detail: String) {
        self.kind = kind
        self.chainID = chainID
        self.seq = seq
        self.detail = detail
    }

    public var description: String {
        "chain \(self.chainID.uuidString.lowercased()) row \(self.seq): \(self.kind.rawValue): \(self.detail)"
    }
}

/// Walks one chain in seq order, recomputing every hash; pure, so it is tested without a database and run by
/// `harvestry audit verify` over rows streamed in pages.
public struct AuditChainVerifier: Sendable {
    public let chainID: UUID
    public private(set) var lastSeq: Int64 = 0
    public private(set) var lastHash: [UInt8] = AuditChain.genesisHash
    public private(set) var verified = 0

    public init(chainID: UUID) { self.chainID = chainID }

    /// Checks the next row; returns the fault if it does not verify (then stop: later rows cannot be trusted).
    public mutating func check(_ entry: AuditEntry) -> AuditFault? {
        func fault(_ kind: AuditFault.Kind, _ detail: String) -> AuditFault {
            AuditFault(kind: kind, chainID: self.chainID, seq: entry.seq, detail: detail)
        }
        guard entry.chainID == self.chainID, entry.event.chainID == self.chainID else {
            return fault(.wrongChain, "row belongs to chain \(entry.event.chainID.uuidString.lowercased())")
        }
        guard entry.seq == self.lastSeq + 1 else {
            return fault(.sequenceGap, "expected seq \(self.lastSeq + 1) after \(self.lastSeq)")
        }
        guard entry.prevHash == self.lastHash else {
            return fault(.brokenLink, "prev_hash does not match the hash of row \(self.lastSeq)")
        }
        let recomputed = AuditChain.rowHash(
            chainID: entry.chainID,
            seq: entry.seq,
            event: entry.event,
            prevHash: entry.prevHash
        )
        guard recomputed == entry.rowHash else {
            return fault(.rowHashMismatch, "row_hash does not match the row's contents")
        }
        self.lastSeq = entry.seq
        self.lastHash = entry.rowHash
        self.verified += 1
        return nil
    }

    /// After the last row: the recorded head must be where the walk ended.
    public func finish(headSeq: Int64, headHash: [UInt8]) -> AuditFault? {
        guard headSeq == self.lastSeq, headHash == self.lastHash else {
            return AuditFault(
                kind: .headMismatch,
                chainID: self.chainID,
                seq: max(headSeq, self.lastSeq),
                detail: "the chain head records seq \(headSeq) but the rows end at seq \(self.lastSeq)"
            )
        }
        return nil
    }
}
