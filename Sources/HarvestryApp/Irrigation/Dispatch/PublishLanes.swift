import Domain
import Foundation
import Store
import Synchronization

/// The dispatcher's publish window: at most `capacity` claimed commands not yet published (credits, so the claim
/// loop claims only as many as there is room for and a slow broker never builds a backlog of claimed commands),
/// and one lane per device, so the commands of one device are published one after another in claim order while
/// different devices publish concurrently.
final class PublishLanes: Sendable {
    private struct State {
        var free: Int
        var lanes: [DeviceKey: [StoredCommand]] = [:]
    }

    struct DeviceKey: Hashable, Sendable {
        var siteID: UUID
        var deviceID: UUID
    }

    private let state: Mutex<State>

    init(capacity: Int) {
        self.state = Mutex(State(free: max(1, capacity)))
    }

    /// Credits free: how many commands the claim loop may claim now.
    var free: Int { self.state.withLock { $0.free } }

    /// Takes one credit per command and appends each to its device's lane, in order. Returns the devices whose lane
    /// was idle: the caller starts one task per device, which drains the lane with `next`.
    func enqueue(_ commands: [StoredCommand]) -> [DeviceKey] {
        self.state.withLock { state in
            var started: [DeviceKey] = []
            state.free -= commands.count
            for stored in commands {
                let key = DeviceKey(siteID: stored.siteID, deviceID: stored.command.deviceID)
                if state.lanes[key] == nil {
                    state.lanes[key] = []
                    started.append(key)
                }
                state.lanes[key]!.append(stored)
            }
            return started
        }
    }

    /// The device's next command, or nil (the lane closes: a later command for it starts a new task).
    func next(_ key: DeviceKey) -> StoredCommand? {
        self.state.withLock { state in
            guard var lane = state.lanes[key], !lane.isEmpty else {
                state.lanes[key] = nil
                return nil
            }
            let first = lane.removeFirst()
            state.lanes[key] = lane
            return first
        }
    }

    /// A command left the window (published, failed or skipped).
    func done() {
        self.state.withLock { $0.free += 1 }
    }
}
