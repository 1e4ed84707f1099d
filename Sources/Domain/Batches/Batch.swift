import Foundation

/// A batch of plants of one strain growing in one room (`batches`, migration 0002).
public struct Batch: Sendable, Hashable {
    public var id: UUID
    public var siteID: UUID
    public var code: String
    public var strainID: UUID
    public var strainName: String
    /// The room the batch grows in; nil for a batch not placed in a room (its phase changes then fire nothing).
    public var roomID: UUID?
    public var phase: BatchPhase
    public var plantCount: Int
    public var startedAt: Date
    public var createdAt: Date

    public init(
        id: UUID,
        siteID: UUID,
        code: String,
        strainID: UUID,
        strainName: String,
        roomID: UUID?,
        phase: BatchPhase,
        plantCount: Int,
        startedAt: Date,
        createdAt: Date
    ) {
        self.id = id
        self.siteID = siteID
        self.code = code
        self.strainID = strainID
        self.strainName = strainName
        self.roomID = roomID
        self.phase = phase
        self.plantCount = plantCount
        self.startedAt = startedAt
        self.createdAt = createdAt
    }
}

/// One recorded phase change (`batch_phase_changes`, migration 0014), written in the transaction that changed the
/// batch's phase.
public struct BatchPhaseChange: Sendable, Hashable {
    public var id: UUID
    public var siteID: UUID
    public var batchID: UUID
    /// The batch's room when the phase changed: the irrigation groups lying in it are the ones whose schedules fire.
    public var roomID: UUID?
    public var from: BatchPhase
    public var to: BatchPhase
    /// Who changed it (nil: the system).
    public var changedBy: UUID?
    /// The database's clock at the change.
    public var changedAt: Date
    public var note: String?

    public init(
        id: UUID,
        siteID: UUID,
        batchID: UUID,
        roomID: UUID?,
        from: BatchPhase,
        to: BatchPhase,
        changedBy: UUID?,
        changedAt: Date,
        note: String?
    ) {
        self.id = id
        self.siteID = siteID
        self.batchID = batchID
        self.roomID = roomID
        self.from = from
        self.to = to
        self.changedBy = changedBy
        self.changedAt = changedAt
        self.note = note
    }
}
