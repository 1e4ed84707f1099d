import Testing

@testable import Bus

@Suite("Acknowledgement bookkeeping")
struct PendingOperationsTests {
    @Test("an acknowledgement after registration resumes the waiter")
    func registeredFirst() {
        var pending = PendingOperations<String>()
        guard case .wait = pending.register(mid: 7, waiter: "w7") else {
            Issue.record("did not wait")
            return
        }
        #expect(pending.complete(mid: 7, code: 0) == "w7")
        #expect(pending.isEmpty)
    }

    @Test("an acknowledgement before registration is kept for the caller")
    func acknowledgedFirst() {
        var pending = PendingOperations<String>()
        #expect(pending.complete(mid: 3, code: 0x87) == nil)
        guard case .completed(let code) = pending.register(mid: 3, waiter: "w3") else {
            Issue.record("waited for an acknowledgement that had arrived")
            return
        }
        #expect(code == 0x87)
        #expect(pending.isEmpty)
    }

    @Test("ignored ids leave nothing behind, whichever comes first")
    func ignored() {
        var pending = PendingOperations<String>()
        pending.ignore(mid: 1)
        #expect(pending.complete(mid: 1, code: 0) == nil)
        #expect(pending.complete(mid: 2, code: 0) == nil)
        pending.ignore(mid: 2)
        #expect(pending.isEmpty)
    }

    @Test("removeAll hands back every waiter")
    func removeAll() {
        var pending = PendingOperations<String>()
        _ = pending.register(mid: 1, waiter: "a")
        _ = pending.register(mid: 2, waiter: "b")
        #expect(Set(pending.removeAll()) == ["a", "b"])
        #expect(pending.isEmpty)
    }
}
