extension ToxicTable {
    /// Plans one chunk of `size` bytes read on `flow` of `connection` at `now`.
    ///
    /// In order: a swallowing toxic (`blackhole`, `timeout`, a `drop_first_chunks` with a count left) takes the whole
    /// chunk; `limit_data` cuts it to what is left of its allowance and closes afterwards; `slicer` (or, without
    /// one, `bandwidth` in 100 ms portions) splits it; the pieces then leave at `now` + latency (+/- jitter), paced by
    /// the slicer's delay and the bandwidth, never before the flow's previous piece.
    mutating func plan(
        size: Int,
        flow: FlowDirection,
        connection: UInt64,
        now: Duration,
        state: inout ProxyFlowState
    ) -> ChunkPlan {
        var plan = ChunkPlan()
        let toxics = self.inForce(at: now).filter {
            $0.toxic.direction.covers(flow) && self.applies($0, to: connection)
        }
        if let swallowing = toxics.first(where: { $0.swallowsData }) {
            plan.applications.append(.init(toxic: swallowing, effect: .swallowed, bytes: size))
            return plan
        }
        if let index = self.active.firstIndex(where: { entry in
            toxics.contains { $0.id == entry.id } && entry.isChunkDropper && entry.remaining > 0
        }) {
            self.active[index].remaining -= 1
            plan.applications.append(.init(toxic: self.active[index], effect: .droppedChunk, bytes: size))
            return plan
        }
        let length = Self.limit(size, toxics: toxics, state: &state, plan: &plan)
        guard length > 0 else { return plan }
        var release = now
        if let latency = self.latency(of: toxics, flow: flow, connection: connection, state: &state) {
            release += latency.delay
            plan.applications.append(.init(toxic: latency.toxic, effect: .delayed, bytes: length, delay: latency.delay))
        }
        release = max(release, state.lastRelease)
        let pacingStart = release
        let slicer = toxics.first { if case .slicer = $0.toxic.kind { true } else { false } }
        let bandwidth = toxics.compactMap { toxic -> (ActiveToxic, Int)? in
            if case .bandwidth(let rate) = toxic.toxic.kind { (toxic, rate) } else { nil }
        }.min { $0.1 < $1.1 }
        var slicerRandom = slicer.map { self.generator(for: $0, flow: flow, connection: connection, state: &state) }
        let sizes = Self.pieceSizes(length, slicer: slicer, bandwidthRate: bandwidth?.1, random: &slicerRandom)
        if let slicer, let slicerRandom { state.generators[slicer.id] = slicerRandom }
        var offset = 0
        for (index, pieceSize) in sizes.enumerated() {
            if index > 0, case .slicer(_, _, let delay)? = slicer?.toxic.kind { release += delay }
            if let rate = bandwidth?.1 { release += Self.transmissionTime(pieceSize, kilobytesPerSecond: rate) }
            plan.pieces.append(.init(offset: offset, length: pieceSize, release: release))
            offset += pieceSize
        }
        state.lastRelease = release
        if let slicer, sizes.count > 1 {
            plan.applications.append(.init(toxic: slicer, effect: .sliced, bytes: length, pieceCount: sizes.count))
        }
        if let bandwidth {
            plan.applications.append(
                .init(toxic: bandwidth.0, effect: .throttled, bytes: length, delay: release - pacingStart)
            )
        }
        return plan
    }

    /// Applies the `limit_data` toxics: returns how many bytes of the chunk may pass.
    private static func limit(
        _ size: Int,
        toxics: [ActiveToxic],
        state: inout ProxyFlowState,
        plan: inout ChunkPlan
    ) -> Int {
        var length = size
        var reached: ActiveToxic?
        for toxic in toxics {
            guard case .limitData(let bytes) = toxic.toxic.kind else { continue }
            let allowed = max(0, bytes - state.limitedBytes[toxic.id, default: 0])
            if allowed <= length {
                length = allowed
                reached = toxic
            }
        }
        for toxic in toxics where toxic.isLimit { state.limitedBytes[toxic.id, default: 0] += length }
        if let reached {
            plan.closeAfterward = true
            plan.applications.append(.init(toxic: reached, effect: .limited, bytes: length))
        }
        return length
    }

    /// The summed latency of the latency toxics, each with its jitter drawn; nil without any.
    private func latency(
        of toxics: [ActiveToxic],
        flow: FlowDirection,
        connection: UInt64,
        state: inout ProxyFlowState
    ) -> (toxic: ActiveToxic, delay: Duration)? {
        var total: Duration = .zero
        var first: ActiveToxic?
        for toxic in toxics {
            guard case .latency(let latency, let jitter) = toxic.toxic.kind else { continue }
            first = first ?? toxic
            var delay = latency
            let jitterNanos = ProxyTime.nanoseconds(jitter)
            if jitterNanos > 0 {
                var random = self.generator(for: toxic, flow: flow, connection: connection, state: &state)
                delay += .nanoseconds(Int64.random(in: -jitterNanos...jitterNanos, using: &random))
                state.generators[toxic.id] = random
            }
            total += max(delay, .zero)
        }
        return first.map { ($0, total) }
    }

    private static func pieceSizes(
        _ length: Int,
        slicer: ActiveToxic?,
        bandwidthRate: Int?,
        random: inout ProxyRandom?
    ) -> [Int] {
        if case .slicer(let average, let variation, _)? = slicer?.toxic.kind, var generator = random {
            defer { random = generator }
            var sizes: [Int] = []
            var left = length
            while left > 0 {
                let drawn = Int.random(in: (average - variation)...(average + variation), using: &generator)
                let size = min(left, max(1, drawn))
                sizes.append(size)
                left -= size
            }
            return sizes
        }
        guard let rate = bandwidthRate else { return [length] }
        // 100 ms worth of data per piece, so a large chunk trickles out instead of leaving in one late burst.
        let portion = max(1, rate * 100)
        return stride(from: 0, to: length, by: portion).map { min(portion, length - $0) }
    }

    static func transmissionTime(_ bytes: Int, kilobytesPerSecond rate: Int) -> Duration {
        .nanoseconds(Int64(bytes) * 1_000_000 / Int64(rate))
    }
}

extension ActiveToxic {
    var swallowsData: Bool {
        switch self.toxic.kind {
        case .blackhole, .timeout: true
        default: false
        }
    }

    var isChunkDropper: Bool {
        if case .dropFirstChunks = self.toxic.kind { true } else { false }
    }

    var isLimit: Bool {
        if case .limitData = self.toxic.kind { true } else { false }
    }
}

extension ToxicTable {
    /// The generator for `toxic`'s draws on one flow of one connection, derived from (seed, toxic name, connection
    /// ordinal, flow): its jitter and slice sizes do not depend on how chunks of other connections interleave.
    func generator(
        for toxic: ActiveToxic,
        flow: FlowDirection,
        connection: UInt64,
        state: inout ProxyFlowState
    ) -> ProxyRandom {
        if let existing = state.generators[toxic.id] { return existing }
        let flowCode: UInt64 = flow == .upstream ? 1 : 2
        let seed = ProxyRandom.mix(ProxyRandom.mix(self.seed ^ ProxyRandom.hash(toxic.toxic.name)) ^ connection) ^ flowCode
        return ProxyRandom(seed: ProxyRandom.mix(seed))
    }
}
