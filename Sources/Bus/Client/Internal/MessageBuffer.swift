import Dispatch
import Synchronization

/// Received messages between libmosquitto's network thread and the consumer, bounded: when `capacity` messages
/// wait, the network thread waits too (so the broker holds the rest) instead of memory growing without bound.
final class MessageBuffer: Sendable {
    let stream: AsyncStream<MQTTMessage>
    private let continuation: AsyncStream<MQTTMessage>.Continuation
    private let space: DispatchSemaphore
    private let closed = Atomic<Bool>(false)

    init(capacity: Int) {
        (self.stream, self.continuation) = AsyncStream.makeStream(of: MQTTMessage.self)
        // Created at 0 and raised to `capacity`: libdispatch traps when a semaphore is released below its initial
        // value, which a client dropped with messages nobody consumed would otherwise do.
        self.space = DispatchSemaphore(value: 0)
        for _ in 0..<max(1, capacity) { self.space.signal() }
    }

    /// On the network thread. Waits (in short slices, so a close is noticed) while the buffer is full.
    func deliver(_ message: MQTTMessage) {
        while !self.closed.load(ordering: .acquiring) {
            if self.space.wait(timeout: .now() + .milliseconds(100)) == .success {
                self.continuation.yield(message)
                return
            }
        }
    }

    /// The consumer took one message.
    func consumed() { self.space.signal() }

    /// Ends the stream and releases a waiting network thread.
    func close() {
        self.closed.store(true, ordering: .releasing)
        self.continuation.finish()
    }
}

/// The messages a client receives, in arrival order; it ends when the client disconnects. One consumer.
public struct MQTTMessages: AsyncSequence, Sendable {
    public typealias Element = MQTTMessage
    let buffer: MessageBuffer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<MQTTMessage>.AsyncIterator
        let buffer: MessageBuffer

        public mutating func next() async -> MQTTMessage? {
            guard let message = await self.base.next() else { return nil }
            self.buffer.consumed()
            return message
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: self.buffer.stream.makeAsyncIterator(), buffer: self.buffer)
    }
}
