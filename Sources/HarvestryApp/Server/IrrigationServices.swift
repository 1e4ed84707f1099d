import Domain
import Foundation

/// What IrrigationService needs besides the spatial repository and the session signer: the irrigation repository
/// (definitions and reads), the run engine every run transition goes through, and the setup store (supply,
/// settings, interlock sources; without one the setup methods are UNIMPLEMENTED).
public struct IrrigationServices: Sendable {
    public var repository: any IrrigationRepository
    public var runControl: any IrrigationRunControl
    public var setup: (any IrrigationSetupStore)?

    /// `setup` defaults to the repository when it is also a setup store (the Postgres one is).
    public init(
        repository: any IrrigationRepository,
        runControl: any IrrigationRunControl,
        setup: (any IrrigationSetupStore)? = nil
    ) {
        self.repository = repository
        self.runControl = runControl
        self.setup = setup ?? (repository as? any IrrigationSetupStore)
    }
}
