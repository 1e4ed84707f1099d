import Domain
import Foundation

/// The operations every spatial table shares: insert, fetch, rename, delete and keyset-paged list, each under the
/// caller's scope and, for writes, with the audit row in the same transaction.
extension PostgresSpatialRepository {
    /// Runs `sql` (an INSERT ... RETURNING the table's columns) for a record of `siteID`, then audits `.create`.
    func insert<R>(
        _ table: SpatialTable<R>,
        siteID: UUID,
        sql: String,
        _ binds: [SQLValue],
        details: [String: String] = [:],
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> R {
        try scope.require(site: siteID)
        try audit.validate()
        return try await mappingErrors(resource: table.resource, table: table.table) {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(sql + " RETURNING \(table.columns)", binds)
                let record = try table.decode(rows[0])
                let header = table.header(record)
                var details = details
                details["code"] = header.code
                try await connection.audit(
                    "\(table.resource).create",
                    resourceType: table.resource,
                    resourceID: header.id.uuidString.lowercased(),
                    siteID: header.siteID,
                    details: details,
                    scope: scope,
                    context: audit
                )
                return record
            }
        }
    }

    func fetch<R>(_ table: SpatialTable<R>, _ id: UUID, in scope: AccessScope) async throws -> R {
        try await mappingErrors(resource: table.resource, table: table.table) {
            try await self.client.transaction(scope: scope) { connection in
                try await connection.fetch(table, id)
            }
        }
    }

    /// Runs an UPDATE of the record `id` (`assignments` like `name = $2`, binds from $2 on) and audits `.update`.
    func update<R>(
        _ table: SpatialTable<R>,
        _ id: UUID,
        assignments: String,
        _ binds: [SQLValue],
        details: [String: String],
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> R {
        try audit.validate()
        return try await mappingErrors(resource: table.resource, table: table.table) {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    UPDATE \(table.table) SET \(assignments), updated_at = now() WHERE id = $1::uuid
                    RETURNING \(table.columns)
                    """,
                    [SQLValue(id)] + binds
                )
                guard let row = rows.first else {
                    throw DomainError.notFound(table.resource, id: id.uuidString.lowercased())
                }
                let record = try table.decode(row)
                try await connection.audit(
                    "\(table.resource).update",
                    resourceType: table.resource,
                    resourceID: id.uuidString.lowercased(),
                    siteID: table.header(record).siteID,
                    details: details,
                    scope: scope,
                    context: audit
                )
                return record
            }
        }
    }

    func rename<R>(
        _ table: SpatialTable<R>,
        _ id: UUID,
        name: String,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> R {
        try Validate.text(name, field: "\(table.resource).name")
        return try await self.update(
            table,
            id,
            assignments: "name = $2",
            [SQLValue(name)],
            details: ["name": name],
            in: scope,
            audit: audit
        )
    }

    /// Deletes the record; `failedPrecondition` while children reference it.
    func delete<R>(_ table: SpatialTable<R>, _ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try audit.validate()
        try await mappingErrors(resource: table.resource, table: table.table) {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    "DELETE FROM \(table.table) WHERE id = $1::uuid RETURNING site_id, code",
                    [SQLValue(id)]
                )
                guard let row = rows.first else {
                    throw DomainError.notFound(table.resource, id: id.uuidString.lowercased())
                }
                try await connection.audit(
                    "\(table.resource).delete",
                    resourceType: table.resource,
                    resourceID: id.uuidString.lowercased(),
                    siteID: try row.decode("site_id", as: UUID.self),
                    details: ["code": try row.decode("code")],
                    scope: scope,
                    context: audit
                )
            }
        }
    }

    /// Records of a site in code order, optionally under one parent and matching `filter` (a condition on $4).
    func list<R>(
        _ table: SpatialTable<R>,
        siteID: UUID,
        parentID: UUID? = nil,
        filter: (condition: String, value: SQLValue)? = nil,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<R> {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 1)?[0]
        let parent = table.parentColumn.map { "($2::uuid IS NULL OR \($0) = $2::uuid)" } ?? "$2::uuid IS NULL"
        return try await mappingErrors(resource: table.resource, table: table.table) {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(table.columns) FROM \(table.table)
                    WHERE site_id = $1::uuid AND \(parent) AND ($3::text IS NULL OR code > $3)
                      AND \(filter?.condition ?? "$4::text IS NULL")
                    ORDER BY code LIMIT $5
                    """,
                    [
                        SQLValue(siteID), SQLValue(parentID), SQLValue(after), filter?.value ?? .null,
                        SQLValue(page.size + 1),
                    ]
                )
                return PageCursor.page(try rows.map(table.decode), size: page.size) { [table.header($0).code] }
            }
        }
    }
}

extension PostgresConnection {
    /// The record `id` as the transaction's scope sees it; `notFound` when it does not exist or is out of scope.
    func fetch<R>(_ table: SpatialTable<R>, _ id: UUID) async throws -> R {
        let rows = try await self.query(
            "SELECT \(table.columns) FROM \(table.table) WHERE id = $1::uuid",
            [SQLValue(id)]
        )
        guard let row = rows.first else { throw DomainError.notFound(table.resource, id: id.uuidString.lowercased()) }
        return try table.decode(row)
    }
}
