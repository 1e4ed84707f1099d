import Domain

import Foundation

/// One versioned SQL file, e.g. `0001_organizations_sites.sql`: version 1, applied after every lower version.
public struct Migration: Sendable, Hashable {
    public var version: Int
    /// The file name, used in messages.
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// SHA-256 of the SQL text, as lowercase hex.
    public var checksum: String { SHA256.hex(Array(self.sql.utf8)) }

    /// The migrations shipped in the Store module (Sources/Store/Migrations/NNNN_*.sql), in version order.
    public static func bundled() throws -> [Migration] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw PostgresError(
                code: .migration,
                message: "the Migrations resource directory is missing from the bundle"
            )
        }
        return try self.load(from: directory)
    }

    /// Reads every `NNNN_name.sql` in `directory`, in version order; duplicate versions are an error.
    public static func load(from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
        var migrations: [Migration] = []
        for file in files {
            guard let underscore = file.firstIndex(of: "_"), let version = Int(file[..<underscore]) else {
                throw PostgresError(
                    code: .migration,
                    message: "migration file '\(file)' is not named NNNN_description.sql"
                )
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            migrations.append(Migration(version: version, name: file, sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (a, b) in zip(migrations, migrations.dropFirst()) where a.version == b.version {
            throw PostgresError(
                code: .migration,
                message: "migrations '\(a.name)' and '\(b.name)' share version \(a.version)"
            )
        }
        return migrations
    }
}
