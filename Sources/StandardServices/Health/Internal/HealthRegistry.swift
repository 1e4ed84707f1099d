import API

/// The health statuses and the open watches on them, as a plain value: every mutation returns the watches
/// to notify, and `HealthProvider` delivers them outside its lock.
struct HealthRegistry {
    typealias ServingStatus = Grpc_Health_V1_HealthCheckResponse.ServingStatus
    typealias Watcher = AsyncStream<ServingStatus>.Continuation

    /// A status to deliver to some watchers, and whether their streams end after it.
    struct Notification {
        var status: ServingStatus
        var watchers: [Watcher]
        var finishes: Bool
    }

    private(set) var statuses: [String: ServingStatus]
    private var watchers: [String: [Int: Watcher]] = [:]
    private var nextWatcherID = 0
    private(set) var isShutDown = false

    init(statuses: [String: ServingStatus]) {
        self.statuses = statuses
    }

    /// The status Watch reports for `service`: unknown services are SERVICE_UNKNOWN.
    func watchStatus(of service: String) -> ServingStatus {
        self.statuses[service] ?? .serviceUnknown
    }

    var watcherCount: Int {
        self.watchers.values.reduce(0) { $0 + $1.count }
    }

    mutating func setStatus(_ status: ServingStatus?, for service: String) -> Notification? {
        guard !self.isShutDown, self.statuses[service] != status else { return nil }
        self.statuses[service] = status
        return self.notification(for: service, finishes: false)
    }

    /// Marks every service NOT_SERVING, ends every watch after telling it so, and ignores later updates.
    mutating func shutDown() -> [Notification] {
        guard !self.isShutDown else { return [] }
        self.isShutDown = true
        for service in self.statuses.keys {
            self.statuses[service] = .notServing
        }
        let notifications = self.watchers.keys.compactMap { self.notification(for: $0, finishes: true) }
        self.watchers.removeAll()
        return notifications
    }

    /// Registers a watcher and returns its id, or nil once shut down (the caller finishes the stream).
    mutating func addWatcher(_ watcher: Watcher, for service: String) -> Int? {
        guard !self.isShutDown else { return nil }
        let id = self.nextWatcherID
        self.nextWatcherID += 1
        self.watchers[service, default: [:]][id] = watcher
        return id
    }

    mutating func removeWatcher(_ id: Int, for service: String) {
        self.watchers[service]?[id] = nil
        if self.watchers[service]?.isEmpty == true {
            self.watchers[service] = nil
        }
    }

    private func notification(for service: String, finishes: Bool) -> Notification? {
        guard let watchers = self.watchers[service], !watchers.isEmpty else { return nil }
        return Notification(status: self.watchStatus(of: service), watchers: Array(watchers.values), finishes: finishes)
    }
}
