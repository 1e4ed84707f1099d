import API
import Domain
import Foundation
import SwiftProtobuf

extension BatchPhase {
    /// The domain phase of a known, non-zero proto value (validated by `FieldViolations.enumeration` first).
    init(_ phase: Harvestry_Batches_V1_BatchPhase) {
        self =
            switch phase {
            case .propagation: .propagation
            case .veg: .veg
            case .flower: .flower
            case .harvest: .harvest
            case .closed, .unspecified, .UNRECOGNIZED: .closed
            }
    }
}

extension Harvestry_Batches_V1_BatchPhase {
    init(_ phase: BatchPhase) {
        self =
            switch phase {
            case .propagation: .propagation
            case .veg: .veg
            case .flower: .flower
            case .harvest: .harvest
            case .closed: .closed
            }
    }
}

extension Harvestry_Batches_V1_Batch {
    init(_ batch: Batch) {
        self.init()
        self.name = ResourcePattern.batch.format(batch.siteID, batch.id)
        self.id = batch.id.uuidString.lowercased()
        self.code = batch.code
        self.strainDisplayName = batch.strainName
        self.room = batch.roomID.map { ResourcePattern.room.format(batch.siteID, $0) } ?? ""
        self.phase = .init(batch.phase)
        self.plantCount = Int32(clamping: batch.plantCount)
        self.startTime = Google_Protobuf_Timestamp(date: batch.startedAt)
        self.createTime = Google_Protobuf_Timestamp(date: batch.createdAt)
    }
}

extension Harvestry_Batches_V1_BatchPhaseChange {
    init(_ change: BatchPhaseChange) {
        self.init()
        self.name = ResourcePattern.batchPhaseChange.format(change.siteID, change.batchID, change.id)
        self.id = change.id.uuidString.lowercased()
        self.room = change.roomID.map { ResourcePattern.room.format(change.siteID, $0) } ?? ""
        self.fromPhase = .init(change.from)
        self.toPhase = .init(change.to)
        self.changedBy = change.changedBy.map { ResourcePattern.user.format($0) } ?? ""
        self.changeTime = Google_Protobuf_Timestamp(date: change.changedAt)
        self.note = change.note ?? ""
    }
}
