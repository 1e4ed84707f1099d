import Domain
import Foundation
import Testing

@Suite("Concurrency cap and admission queue (INT-150VA: 1 HL + 6 STD)")
struct ConcurrencyCapTests {
    let cap = ConcurrencyCap.int150VA

    @Test("2 HL + 8 STD asked at once: 1 HL and 6 STD go, the rest wait in order")
    func hilDrill() {
        let pending = [Fixture.hl(1), Fixture.hl(2)] + (10..<18).map(Fixture.std)
        let (admitted, waiting) = cap.admit(pending, alongside: [])
        #expect(admitted == [Fixture.hl(1)] + (10..<16).map(Fixture.std))
        #expect(waiting == [Fixture.hl(2), Fixture.std(16), Fixture.std(17)])
    }

    @Test("a queued HL does not hold back STD opens, but nothing overtakes within a class")
    func classesIndependent() {
        let open = [Fixture.open(Fixture.hl(50), since: 10)]
        let (admitted, waiting) = cap.admit([Fixture.hl(1), Fixture.std(2)], alongside: open)
        #expect(admitted == [Fixture.std(2)])
        #expect(waiting == [Fixture.hl(1)])
    }

    @Test("when a slot frees, the head of the queue goes next")
    func slotFrees() {
        let waiting = [Fixture.hl(2), Fixture.hl(3)]
        #expect(cap.admit(waiting, alongside: [Fixture.open(Fixture.hl(1), since: 5)]).admitted.isEmpty)
        #expect(cap.admit(waiting, alongside: []).admitted == [Fixture.hl(2)])
    }

    @Test("an already open valve is admitted without using a slot")
    func alreadyOpen() {
        let open = (1...6).map { Fixture.open(Fixture.std($0), since: 5) }
        let (admitted, waiting) = cap.admit([Fixture.std(3), Fixture.std(9)], alongside: open)
        #expect(admitted == [Fixture.std(3)])
        #expect(waiting == [Fixture.std(9)])
    }

    @Test("excess: the latest opened past the limit, ties by zone id")
    func excess() {
        let open = [
            Fixture.open(Fixture.hl(3), since: 10), Fixture.open(Fixture.hl(1), since: 20),
            Fixture.open(Fixture.hl(2), since: 10),
        ]
        #expect(cap.excess(open) == [Fixture.id(2), Fixture.id(3)])
    }

    @Test("cap settings are validated naming the field")
    func validation() {
        #expect(throws: DomainError.invalid("policy.concurrency_cap.standard", "must be 0 to 16")) {
            try ConcurrencyCap(heavyLoad: 1, standard: 17).validate()
        }
        #expect(throws: DomainError.invalid("policy.stale_after", "must be 1 to 3600 seconds (got 0.0)")) {
            try InterlockPolicy(staleAfter: 0).validate()
        }
    }
}
