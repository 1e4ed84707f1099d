import Testing

@testable import HarvestryApp

/// AbortRun's wait under a call's deadline: the deadline less the answer margin, never past `maximumAbortWait`.
@Suite struct IrrigationAbortWaitTests {
    @Test("a short deadline keeps its margin; a huge one is capped at 60 s; an expired one waits not at all")
    func abortWaitIsCapped() {
        #expect(IrrigationService.abortWait(timeout: .seconds(2)) == .milliseconds(1_750))
        #expect(IrrigationService.abortWait(timeout: .seconds(3_600)) == .seconds(60))
        #expect(IrrigationService.abortWait(timeout: .milliseconds(100)) == .zero)
    }
}
