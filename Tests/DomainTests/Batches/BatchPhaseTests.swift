import Domain
import Foundation
import Testing

@Suite struct BatchPhaseTests {
    /// Every (from, to) pair: allowed exactly for one step forward and for closing an open batch.
    @Test(arguments: BatchPhase.allCases)
    func transitionsFrom(_ from: BatchPhase) throws {
        let order = BatchPhase.allCases
        for to in order {
            let stepForward = order.firstIndex(of: to) == order.firstIndex(of: from)! + 1
            let closing = to == .closed && from != .closed
            let allowed = stepForward || closing
            #expect(from.allows(to) == allowed, "\(from) -> \(to)")
            if allowed {
                #expect(try from.transition(to: to) == to)
            } else {
                do {
                    _ = try from.transition(to: to)
                    Issue.record("\(from) -> \(to) was allowed")
                } catch let error as DomainError {
                    #expect(error.code == .failedPrecondition)
                    #expect(error.reason == (from == to ? "PHASE_UNCHANGED" : "PHASE_TRANSITION_NOT_ALLOWED"))
                    #expect(error.metadata["from"] == from.rawValue && error.metadata["to"] == to.rawValue)
                }
            }
        }
    }

    @Test func theLifeOfABatch() throws {
        var phase = BatchPhase.propagation
        var seen = [phase]
        while let next = phase.next {
            phase = try phase.transition(to: next)
            seen.append(phase)
        }
        #expect(seen == [.propagation, .veg, .flower, .harvest, .closed])
        #expect(BatchPhase.closed.allowedNext.isEmpty)
        #expect(BatchPhase.veg.allowedNext == [.flower, .closed])
        #expect(BatchPhase.harvest.allowedNext == [.closed])
    }

    @Test func parseNamesTheField() throws {
        #expect(try BatchPhase.parse("Flower", field: "phase") == .flower)
        do {
            _ = try BatchPhase.parse("bloom", field: "phase")
            Issue.record("bloom parsed")
        } catch let error as DomainError {
            #expect(error.metadata["field"] == "phase")
            #expect(error.code == .invalidArgument)
        }
    }
}
