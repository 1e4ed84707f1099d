import Foundation
import Store
import Testing

@Suite struct EmbeddedMigrationTests {
    /// The compiled-in texts are the .sql files byte for byte, so checksums recorded by any build agree.
    @Test func embeddedMigrationsMatchTheSQLFiles() throws {
        let directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Store/Migrations")
        let files = try Migration.load(from: directory)
        let embedded = try Migration.bundled()
        #expect(embedded.map(\.name) == files.map(\.name))
        #expect(embedded.map(\.version) == files.map(\.version))
        for (compiled, file) in zip(embedded, files) {
            #expect(Array(compiled.sql.utf8) == Array(file.sql.utf8), "\(file.name) differs: run scripts/generate")
            #expect(compiled.checksum == file.checksum)
        }
        #expect(files.count >= 3)
    }
}
