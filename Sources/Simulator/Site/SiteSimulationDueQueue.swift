/// A binary min-heap of (instant, device index): which device is due next. Entries are never removed in place; a
/// device rescheduled leaves a stale entry behind, which the site recognises (its due differs) and skips.
struct SiteSimulationDueQueue: Sendable {
    struct Entry: Sendable {
        var due: Int64
        var device: Int32

        static func < (a: Entry, b: Entry) -> Bool {
            a.due != b.due ? a.due < b.due : a.device < b.device
        }
    }

    private var heap: [Entry] = []

    init(capacity: Int) {
        self.heap.reserveCapacity(capacity)
    }

    var first: Entry? { self.heap.first }
    var count: Int { self.heap.count }

    mutating func push(_ entry: Entry) {
        self.heap.append(entry)
        var child = self.heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard self.heap[child] < self.heap[parent] else { break }
            self.heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = self.heap.first else { return nil }
        let last = self.heap.removeLast()
        guard !self.heap.isEmpty else { return top }
        self.heap[0] = last
        var parent = 0
        let count = self.heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            var smallest = left
            if left + 1 < count, self.heap[left + 1] < self.heap[left] { smallest = left + 1 }
            guard self.heap[smallest] < self.heap[parent] else { break }
            self.heap.swapAt(smallest, parent)
            parent = smallest
        }
        return top
    }
}
