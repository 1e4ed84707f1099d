extension DeviceFault {
    /// The fault that undoes this one when it ends; nil for a momentary fault.
    var undoing: DeviceFault? {
        switch self {
        case .estopOpen: .estopClosed
        case .doorOpen: .doorClosed
        case .poeLost: .poeRestored
        case .acLost: .acRestored
        case .stuck, .drift, .noise, .dropout, .offline, .tankLow: .restore
        case .estopClosed, .doorClosed, .poeRestored, .acRestored, .restore: nil
        }
    }
}
