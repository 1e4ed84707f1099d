import Testing

/// Every suite that needs Postgres nests here, so one embedded cluster serves them all.
@Suite("Services over Postgres", .appDatabase)
struct DatabaseSuites {}
