import Domain
import Foundation

/// What IrrigationService needs besides the spatial repository and the session signer: the irrigation repository
/// (definitions and reads) and the run engine every run transition goes through.
public struct IrrigationServices: Sendable {
    public var repository: any IrrigationRepository
    public var runControl: any IrrigationRunControl

    public init(repository: any IrrigationRepository, runControl: any IrrigationRunControl) {
        self.repository = repository
        self.runControl = runControl
    }
}
