/// The reasons a controller rejects a command with (`Emission.Kind.ack`), UPPER_SNAKE as the device protocol wants.
public enum RejectReason {
    public static let expired = "EXPIRED"
    public static let interlockActive = "INTERLOCK_ACTIVE"
    public static let faultLatched = "FAULT_LATCHED"
    public static let concurrencyCap = "CONCURRENCY_CAP"
    public static let unknownOutput = "UNKNOWN_OUTPUT"
    public static let unknownCommand = "UNKNOWN_COMMAND"
    public static let programActive = "PROGRAM_ACTIVE"
    public static let unauthorized = "UNAUTHORIZED"
    /// A valve or pump with no controller in the site spec: nothing drives it.
    public static let noController = "NO_CONTROLLER"

    /// `BAD_PARAMETER:<name>`: the parameter that is missing or malformed.
    public static func badParameter(_ name: String) -> String { "BAD_PARAMETER:\(name)" }
}

/// The codes of the events a controller publishes; the latched ones are also the `faultCode` of its state.
public enum ControllerEvent {
    public static let estopOpen = "ESTOP_OPEN"
    public static let estopClosed = "ESTOP_CLOSED"
    public static let doorOpen = "DOOR_OPEN"
    public static let doorClosed = "DOOR_CLOSED"
    public static let maxRuntime = "MAX_RUNTIME"
    public static let powerLost = "POWER_LOST"
    public static let powerRestored = "POWER_RESTORED"
    public static let powerSourceChanged = "POWER_SOURCE_CHANGED"
    public static let poeLost = "POE_LOST"
    public static let poeRestored = "POE_RESTORED"
    public static let acLost = "AC_LOST"
    public static let acRestored = "AC_RESTORED"
    public static let tankLow = "TANK_LOW"
    public static let tankRestored = "TANK_RESTORED"
    public static let rearmed = "REARMED"
    public static let programStarted = "PROGRAM_STARTED"
    public static let programWaiting = "PROGRAM_WAITING"
    public static let programCompleted = "PROGRAM_COMPLETED"
    public static let programStopped = "PROGRAM_STOPPED"
    public static let programAborted = "PROGRAM_ABORTED"
    public static let programRetry = "PROGRAM_RETRY"
}

/// The command names a controller (or a valve it drives) understands.
public enum ControllerCommand {
    /// Parameters: `valve` (the valve's device id; implied when sent to the valve, and must name it if given),
    /// optional `duration_s`.
    public static let valveOpen = "valve.open"
    /// Parameters: `valve` (implied when sent to the valve).
    public static let valveClose = "valve.close"
    /// Parameters: `steps`, `valve:seconds` pairs separated by `;`, run in order.
    public static let programStart = "program.start"
    public static let programStop = "program.stop"
    /// Parameters: `authorizer`, who re-arms.
    public static let rearm = "rearm"
}
