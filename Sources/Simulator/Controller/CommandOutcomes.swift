/// The final answers a controller gave, by idempotency key, so a repeated command is re-acked, never re-executed.
/// Bounded: the oldest keys are forgotten first.
struct CommandOutcomes: Hashable, Sendable {
    struct Outcome: Hashable, Sendable {
        var stage: AckStage
        var reason: String
    }

    private var byKey: [String: Outcome] = [:]
    private var order: [String] = []
    private var oldest = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    subscript(key: String) -> Outcome? { self.byKey[key] }

    mutating func record(_ outcome: Outcome, for key: String) {
        precondition(!key.isEmpty, "an empty idempotency key is refused before execution")
        guard self.byKey.updateValue(outcome, forKey: key) == nil else { return }
        if self.order.count < self.capacity {
            self.order.append(key)
        } else {
            self.byKey[self.order[self.oldest]] = nil
            self.order[self.oldest] = key
            self.oldest = (self.oldest + 1) % self.capacity
        }
    }
}
