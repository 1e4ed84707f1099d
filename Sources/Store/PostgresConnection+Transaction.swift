extension PostgresConnection {
    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws (and the error is rethrown).
    public func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await self.query("BEGIN")
        let value: T
        do {
            value = try await body(self)
        } catch {
            // A failed rollback (e.g. the connection broke) must not hide the original error.
            // It runs even when the task was cancelled, so the connection goes back to the pool clean.
            try? await self.queryIgnoringCancellation("ROLLBACK")
            throw error
        }
        try await self.query("COMMIT")
        return value
    }
}
