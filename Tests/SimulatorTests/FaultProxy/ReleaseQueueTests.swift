import NIOCore
import Testing

@testable import Simulator

@Suite("Fault proxy release queue")
struct ReleaseQueueTests {
    private func chunk(_ size: Int, release: Duration) -> (ChunkPlan, ByteBuffer) {
        var plan = ChunkPlan()
        plan.pieces = [.init(offset: 0, length: size / 2, release: release),
                       .init(offset: size / 2, length: size - size / 2, release: release)]
        return (plan, ByteBuffer(bytes: [UInt8](repeating: 7, count: size)))
    }

    /// A steady flow where the queue never empties (latency): sent items leave storage and the held bytes stay at
    /// what is still waiting. Before the fix the pump kept every sent item until the queue emptied completely.
    @Test func aSteadyFlowThatNeverEmptiesHoldsOnlyWhatWaits() {
        var queue = ReleaseQueue()
        var maxStored = 0
        var maxHeld = 0
        for step in 0..<10_000 {
            let (plan, buffer) = self.chunk(100, release: .milliseconds(step + 5))
            queue.append(plan, from: buffer)
            while queue.takeDue(now: .milliseconds(step)) != nil {}
            maxStored = max(maxStored, queue.storedCount)
            maxHeld = max(maxHeld, queue.heldBytes)
            #expect(queue.count > 0)
        }
        #expect(maxStored <= 64)
        #expect(maxHeld <= 6 * 100 * 2)
        while queue.takeDue(now: .seconds(100)) != nil {}
        #expect(queue.heldBytes == 0)
        #expect(queue.storedCount == 0)
    }

    @Test func heldBytesCountTheChunkBufferUntilItsLastPieceIsTaken() {
        var queue = ReleaseQueue()
        let (plan, buffer) = self.chunk(1000, release: .zero)
        queue.append(plan, from: buffer)
        #expect(queue.heldBytes >= 1000)
        _ = queue.takeDue(now: .zero)
        #expect(queue.heldBytes >= 1000)
        _ = queue.takeDue(now: .zero)
        #expect(queue.heldBytes == 0)
    }
}
