import API
import Domain

/// The API's enums are the Domain's, value for value; switching over the Domain cases keeps them exhaustive.
extension Harvestry_Irrigation_V1_Run.Status {
    init(_ status: RunStatus) {
        switch status {
        case .awaitingApproval: self = .awaitingApproval
        case .queued: self = .queued
        case .running: self = .running
        case .aborting: self = .aborting
        case .completed: self = .completed
        case .aborted: self = .aborted
        }
    }
}

extension Harvestry_Irrigation_V1_InterlockReason {
    init(_ reason: InterlockReason) {
        switch reason {
        case .eStopOpen: self = .estopOpen
        case .doorOpen: self = .doorOpen
        case .staleReading: self = .staleReading
        case .tankLow: self = .tankLow
        case .ecOutOfBounds: self = .ecOutOfBounds
        case .phOutOfBounds: self = .phOutOfBounds
        case .maxRuntimeExceeded: self = .maxRuntimeExceeded
        case .co2ExhaustLockout: self = .co2ExhaustLockout
        case .concurrencyCap: self = .concurrencyCap
        }
    }
}

extension Harvestry_Irrigation_V1_DeviceCommand.Status {
    init(_ status: CommandStatus) {
        switch status {
        case .queued: self = .queued
        case .sent: self = .sent
        case .received: self = .received
        case .executed: self = .executed
        case .rejected: self = .rejected
        case .timeout: self = .timeout
        case .expired: self = .expired
        }
    }
}

extension Harvestry_Irrigation_V1_StepRun.Status {
    init(_ status: StepStatus) {
        switch status {
        case .pending: self = .pending
        case .opening: self = .opening
        case .watering: self = .watering
        case .closing: self = .closing
        case .done: self = .done
        }
    }
}

extension Harvestry_Irrigation_V1_InterlockEvent.Kind {
    init(_ kind: InterlockEvent.Kind) {
        switch kind {
        case .blocked: self = .blocked
        case .queued: self = .queued
        case .aborted: self = .aborted
        case .shutOff: self = .shutOff
        case .latched: self = .latched
        case .cleared: self = .cleared
        }
    }
}

extension IrrigationValidation {
    /// The Domain status of an API one; nil for the zero value and unknown numbers.
    static func runStatus(_ status: Harvestry_Irrigation_V1_Run.Status) -> RunStatus? {
        RunStatus.allCases.first { Harvestry_Irrigation_V1_Run.Status($0) == status }
    }

    /// The Domain reason of an API one; nil for the zero value and unknown numbers.
    static func interlockReason(_ reason: Harvestry_Irrigation_V1_InterlockReason) -> InterlockReason? {
        InterlockReason.allCases.first { Harvestry_Irrigation_V1_InterlockReason($0) == reason }
    }
}
