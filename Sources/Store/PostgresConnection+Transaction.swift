extension PostgresConnection {
    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws (and the error is rethrown).
    /// A task cancelled before COMMIT ran gets `CancellationError` and the transaction is rolled back.
    public func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await self.query("BEGIN")
        do {
            let value = try await body(self)
            try await self.query("COMMIT")
            return value
        } catch {
            // Runs even when the task was cancelled, so the connection goes back to the pool clean; a failed
            // rollback (e.g. the connection broke) must not hide the original error. After a failed COMMIT the
            // server has already ended the transaction and this is a harmless no-op warning.
            try? await self.queryIgnoringCancellation("ROLLBACK")
            throw error
        }
    }
}
