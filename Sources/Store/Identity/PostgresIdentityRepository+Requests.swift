import Domain
import Foundation

/// Session activity and AIP-155 request ids, both under the caller's scope.
extension PostgresIdentityRepository {
    public func recordActivity(sessionID: UUID, interval: Duration, in scope: AccessScope) async throws {
        try await mappingErrors(resource: "session", table: "device_sessions") {
            try await self.client.transaction(scope: scope) { connection in
                // A no-op (no row version written) while the last recorded activity is recent enough.
                try await connection.query(
                    """
                    UPDATE device_sessions SET last_activity_at = now()
                    WHERE id = $1::uuid AND ended_at IS NULL
                      AND last_activity_at < now() - make_interval(secs => $2::double precision)
                    """,
                    [SQLValue(sessionID), SQLValue(Double(interval.components.seconds))]
                )
            }
        }
    }

    public func claimRequest(
        _ requestID: String,
        method: String,
        fingerprint: [UInt8],
        staleAfter: Duration,
        in scope: AccessScope
    ) async throws -> RequestClaim {
        try await mappingErrors(resource: "request", table: "idempotent_requests") {
            try await self.client.transaction(scope: scope) { connection in
                try await connection.query(
                    """
                    DELETE FROM idempotent_requests WHERE user_id = $1::uuid AND created_at < now() - interval '1 day'
                    """,
                    [SQLValue(scope.userID)]
                )
                let claimed = try await connection.query(
                    """
                    INSERT INTO idempotent_requests (organization_id, user_id, request_id, method, request_sha256)
                    VALUES ($1::uuid, $2::uuid, $3, $4, $5)
                    ON CONFLICT (user_id, request_id) DO UPDATE
                        SET method = EXCLUDED.method, request_sha256 = EXCLUDED.request_sha256, created_at = now()
                        WHERE idempotent_requests.response IS NULL
                          AND idempotent_requests.created_at < now() - make_interval(secs => $6::double precision)
                    RETURNING request_id
                    """,
                    [
                        SQLValue(scope.organizationID), SQLValue(scope.userID), SQLValue(requestID), SQLValue(method),
                        SQLValue(fingerprint), SQLValue(Double(staleAfter.components.seconds)),
                    ]
                )
                if !claimed.isEmpty { return .claimed }
                let rows = try await connection.query(
                    """
                    SELECT method, request_sha256, response FROM idempotent_requests
                    WHERE user_id = $1::uuid AND request_id = $2
                    """,
                    [SQLValue(scope.userID), SQLValue(requestID)]
                )
                guard let row = rows.first, let response = try row.decode("response", as: [UInt8]?.self) else {
                    return .inProgress
                }
                return .completed(
                    method: try row.decode("method"),
                    fingerprint: try row.decode("request_sha256"),
                    response: response
                )
            }
        }
    }

    public func completeRequest(_ requestID: String, response: [UInt8], in scope: AccessScope) async throws {
        try await mappingErrors(resource: "request", table: "idempotent_requests") {
            try await self.client.transaction(scope: scope) { connection in
                try await connection.query(
                    """
                    UPDATE idempotent_requests SET response = $3, completed_at = now()
                    WHERE user_id = $1::uuid AND request_id = $2 AND response IS NULL
                    """,
                    [SQLValue(scope.userID), SQLValue(requestID), SQLValue(response)]
                )
            }
        }
    }

    public func releaseRequest(_ requestID: String, in scope: AccessScope) async throws {
        try await mappingErrors(resource: "request", table: "idempotent_requests") {
            try await self.client.transaction(scope: scope) { connection in
                try await connection.query(
                    "DELETE FROM idempotent_requests WHERE user_id = $1::uuid AND request_id = $2 AND response IS NULL",
                    [SQLValue(scope.userID), SQLValue(requestID)]
                )
            }
        }
    }
}
