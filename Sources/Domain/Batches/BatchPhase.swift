import Foundation

/// A batch's growth phase (`batches.phase`, migration 0002), in the order a batch lives them: propagation (clones,
/// seedlings), veg, flower, harvest, closed (the seed's Clone -> Veg -> Flower -> Harvest -> Cure; curing and
/// anything after harvest is the batch's business in inventory, so the batch is `closed`).
///
/// Allowed changes (`allows(_:)`, checked by `transition(to:)` before anything is written):
/// - one step forward: propagation -> veg -> flower -> harvest -> closed;
/// - from any open phase straight to `closed` (a batch destroyed or ended early);
/// - nothing else: no step back (a phase change starts irrigation programs and is an audited record of the grow;
///   a correction is a new batch, not a rewind that would fire the earlier phase's programs again), no skipping a
///   phase (veg and flower each have their own programs), nothing out of `closed`, and no change to the same phase.
public enum BatchPhase: String, Sendable, Hashable, CaseIterable, Comparable {
    case propagation, veg, flower, harvest, closed

    /// The next phase in the life of a batch; nil for `closed`.
    public var next: BatchPhase? {
        switch self {
        case .propagation: .veg
        case .veg: .flower
        case .flower: .harvest
        case .harvest: .closed
        case .closed: nil
        }
    }

    /// The phases this one may change to: its successor, and `closed` from any open phase.
    public var allowedNext: [BatchPhase] {
        guard let next = self.next else { return [] }
        return next == .closed ? [.closed] : [next, .closed]
    }

    public func allows(_ target: BatchPhase) -> Bool { self.allowedNext.contains(target) }

    /// The phase after a change to `target`, or FAILED_PRECONDITION: `PHASE_UNCHANGED` (already there) or
    /// `PHASE_TRANSITION_NOT_ALLOWED`, with metadata `from`, `to` and `allowed`.
    public func transition(to target: BatchPhase) throws -> BatchPhase {
        let metadata = [
            "from": self.rawValue, "to": target.rawValue,
            "allowed": self.allowedNext.map(\.rawValue).joined(separator: ","),
        ]
        guard target != self else {
            throw DomainError(
                code: .failedPrecondition,
                message: "the batch is already in phase \(target.rawValue)",
                reason: "PHASE_UNCHANGED",
                metadata: metadata
            )
        }
        guard self.allows(target) else {
            let allowed = self.allowedNext.isEmpty ? "none (closed)" : metadata["allowed"]!
            throw DomainError(
                code: .failedPrecondition,
                message: "a batch in phase \(self.rawValue) cannot change to \(target.rawValue) (allowed: \(allowed))",
                reason: "PHASE_TRANSITION_NOT_ALLOWED",
                metadata: metadata
            )
        }
        return target
    }

    /// Parses a stored or requested phase (lower case as stored; case-insensitive), naming `field` when unknown.
    public static func parse(_ text: String, field: String) throws -> BatchPhase {
        guard let phase = BatchPhase(rawValue: text.lowercased()) else {
            throw DomainError.invalid(
                field,
                "must be one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(text.prefix(40))')"
            )
        }
        return phase
    }

    public static func < (lhs: BatchPhase, rhs: BatchPhase) -> Bool {
        Self.allCases.firstIndex(of: lhs)! < Self.allCases.firstIndex(of: rhs)!
    }
}
