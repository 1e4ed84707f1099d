import Foundation

extension IrrigationRun {
    /// FRP-06's tank-level recovery, "auto-retry when level restored", for a run the tank stopped after it had started:
    /// a new run of the same program that resumes at the step the tank interrupted (the steps before it watered and
    /// keep their times; a step already closing had watered its amount). It is Queued with no block reason, to be
    /// readied like any start, so it waits (`TANK_LOW`, retried automatically) until the level is restored. Its id
    /// derives from this run's (`retryID(of:)`), so a store creates it at most once.
    ///
    /// Nil for any other run: not Aborted, aborted for another cause, never started (a Queued run that timed out
    /// waiting for the tank is not retried again), or stopped with every step watered.
    public func tankLowRetry(at now: Date) -> IrrigationRun? {
        guard self.status == .aborted, self.abortCause == .interlock(.tankLow), self.startedAt != nil,
            self.currentStep < self.steps.count
        else { return nil }
        let watered = self.steps[self.currentStep].status == .closing || self.steps[self.currentStep].status == .done
        let resume = watered ? self.currentStep + 1 : self.currentStep
        guard resume < self.steps.count else { return nil }
        var retry = self
        retry.id = Self.retryID(of: self.id)
        retry.requestedAt = now
        retry.status = .queued
        retry.steps = self.steps.map { $0.index < resume ? $0 : StepRun(index: $0.index, zoneID: $0.zoneID) }
        retry.currentStep = resume
        retry.startedAt = nil
        retry.stoppedAt = nil
        retry.abortCause = nil
        retry.blockReason = nil
        retry.pendingCloses = []
        retry.unconfirmedZones = []
        retry.closeRounds = [:]
        return retry
    }

    /// The id of the tank-low retry of run `id`: a name-based UUID (SHA-256, version 5 layout) of it.
    public static func retryID(of id: UUID) -> UUID {
        var bytes = Array(SHA256.hash(Array("harvestry.irrigation/tank-retry/\(id.uuidString.lowercased())".utf8)))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
    }
}
