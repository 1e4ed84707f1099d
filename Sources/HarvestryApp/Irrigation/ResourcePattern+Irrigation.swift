extension ResourcePattern {
    static let irrigationGroup = ResourcePattern("sites/{site}/irrigationGroups/{irrigation_group}")
    static let program = ResourcePattern("sites/{site}/irrigationPrograms/{program}")
    static let schedule = ResourcePattern("sites/{site}/irrigationSchedules/{schedule}")
    static let run = ResourcePattern("sites/{site}/irrigationRuns/{run}")
}

extension ResourcePattern {
    static let lockout = ResourcePattern("sites/{site}/lockouts/{lockout}")
    static let interlockEvent = ResourcePattern("sites/{site}/interlockEvents/{interlock_event}")
    static let deviceCommand = ResourcePattern("sites/{site}/deviceCommands/{device_command}")
}
