extension ResourcePattern {
    static let irrigationGroup = ResourcePattern("sites/{site}/irrigationGroups/{irrigation_group}")
    static let program = ResourcePattern("sites/{site}/irrigationPrograms/{program}")
    static let schedule = ResourcePattern("sites/{site}/irrigationSchedules/{schedule}")
    static let run = ResourcePattern("sites/{site}/irrigationRuns/{run}")
}
