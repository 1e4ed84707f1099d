import Testing

@testable import HarvestryApp

@Suite struct MessageCreditsTests {
    @Test func takesWithoutWaitingWhileCreditsLast() async {
        let credits = MessageCredits(3)
        for _ in 0..<3 { await credits.acquire() }
        #expect(credits.available == 0)
        credits.release()
        #expect(credits.available == 1)
    }

    @Test func aFullConsumerWaitsUntilAMessageIsHandled() async {
        let credits = MessageCredits(1)
        await credits.acquire()
        let (acquired, signal) = AsyncStream<Void>.makeStream()
        let waiter = Task {
            await credits.acquire()
            signal.yield()
            signal.finish()
        }
        await Self.waitUntil { credits.waiting == 1 }
        var iterator = acquired.makeAsyncIterator()
        #expect(credits.available == 0)
        credits.release()
        #expect(await iterator.next() != nil)
        // The released credit went straight to the waiter, not back to the pool.
        #expect(credits.available == 0)
        await waiter.value
    }

    @Test func waitersAreServedInArrivalOrder() async {
        let credits = MessageCredits(1)
        await credits.acquire()
        let (order, record) = AsyncStream<Int>.makeStream()
        var waiters: [Task<Void, Never>] = []
        for number in 0..<3 {
            waiters.append(
                Task {
                    await credits.acquire()
                    record.yield(number)
                }
            )
            // Each waiter queues before the next starts.
            await Self.waitUntil { credits.waiting == number + 1 }
        }
        var served: [Int] = []
        var iterator = order.makeAsyncIterator()
        for _ in 0..<3 {
            credits.release()
            if let number = await iterator.next() { served.append(number) }
        }
        #expect(served == [0, 1, 2])
        for waiter in waiters { await waiter.value }
    }

    @Test func atLeastOneCredit() async {
        #expect(MessageCredits(0).available == 1)
    }

    /// Polls `condition` (at most 10 s): the waiting tasks run on the shared executor.
    static func waitUntil(_ condition: () -> Bool) async {
        for _ in 0..<10_000 where !condition() { try? await Task.sleep(for: .milliseconds(1)) }
        #expect(condition())
    }
}
