#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A durable first-in first-out queue of records in one file, for a connection's messages while the broker is out
/// of reach. Records are framed by `SpoolFraming` (length + CRC-32) and appended with one `fsync` per batch; the
/// offset of the first record still to deliver lives in `<path>.head`. Opening recovers: it starts at the saved head,
/// counts the whole records and truncates a torn tail (a crash mid-append).
///
/// `removeFirst()` writes the new head at once (so a crashed process resumes after it) and `fsync`s it every
/// `headSyncInterval` removals and when the spool empties (only a machine crash can then repeat at most that many
/// delivered records; receivers deduplicate). An empty spool is truncated to zero. Not thread-safe: one owner.
final class Spool {
    let path: String
    private let file: Int32
    private let headFile: Int32
    private var head: Int
    private var end: Int
    private(set) var count: Int
    private var removalsSinceSync = 0
    static let headSyncInterval = 256

    var isEmpty: Bool { self.count == 0 }
    /// Bytes of undelivered records on disk.
    var byteCount: Int { self.end - self.head }

    init(path: String) throws(SimFileError) {
        self.path = path
        let file = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard file >= 0 else { throw SimFileError(path: path, message: "cannot open: \(Self.errnoText())") }
        let headFile = open(path + ".head", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard headFile >= 0 else {
            close(file)
            throw SimFileError(path: path + ".head", message: "cannot open: \(Self.errnoText())")
        }
        self.file = file
        self.headFile = headFile
        self.head = 0
        self.end = 0
        self.count = 0
        try self.recover()
    }

    deinit {
        close(self.file)
        close(self.headFile)
    }

    /// Appends `bodies` in order and makes them durable (one `fsync`).
    func append(_ bodies: [[UInt8]]) throws(SimFileError) {
        guard !bodies.isEmpty else { return }
        var bytes: [UInt8] = []
        for body in bodies {
            guard body.count <= SpoolFraming.maximumBodySize else {
                throw SimFileError(path: self.path, message: "a record of \(body.count) bytes is too large")
            }
            bytes.append(contentsOf: SpoolFraming.frame(body))
        }
        try self.writeAll(bytes, at: self.end, to: self.file, what: "appending")
        guard fsync(self.file) == 0 else { throw self.failure("fsync") }
        self.end += bytes.count
        self.count += bodies.count
    }

    /// The first undelivered record, or nil when the spool is empty.
    func first() throws(SimFileError) -> [UInt8]? {
        try self.peek(max: 1).first
    }

    /// The first `limit` undelivered records (fewer when the spool holds fewer), in order, without removing them.
    func peek(max limit: Int) throws(SimFileError) -> [[UInt8]] {
        var bodies: [[UInt8]] = []
        var offset = self.head
        while bodies.count < min(limit, self.count) {
            let header = try self.read(count: SpoolFraming.headerSize, at: offset)
            let length = Int(SpoolFraming.readUInt32(header[...], at: 0))
            let record = try self.read(count: SpoolFraming.headerSize + length, at: offset)
            guard case .record(let body, let size) = SpoolFraming.parse(record[...]) else {
                throw SimFileError(path: self.path, message: "the record at offset \(offset) is corrupt")
            }
            bodies.append(body)
            offset += size
        }
        return bodies
    }

    /// Drops the first record (after the broker acknowledged it).
    func removeFirst() throws(SimFileError) {
        guard self.count > 0 else { return }
        let header = try self.read(count: SpoolFraming.headerSize, at: self.head)
        self.head += SpoolFraming.headerSize + Int(SpoolFraming.readUInt32(header[...], at: 0))
        self.count -= 1
        if self.count == 0 {
            guard ftruncate(self.file, 0) == 0 else { throw self.failure("truncating") }
            self.head = 0
            self.end = 0
            try self.saveHead(sync: true)
            return
        }
        self.removalsSinceSync += 1
        try self.saveHead(sync: self.removalsSinceSync >= Self.headSyncInterval)
    }

    private func recover() throws(SimFileError) {
        let size = Int(lseek(self.file, 0, SEEK_END))
        guard size >= 0 else { throw self.failure("seeking") }
        let saved = try self.read(count: 12, at: 0, from: self.headFile, allowShort: true)
        if saved.count == 12, CRC32.checksum(saved[0..<8]) == SpoolFraming.readUInt32(saved[...], at: 8) {
            self.head = Int(SpoolFraming.readUInt64(saved[...], at: 0))
        }
        if self.head > size { self.head = 0 }
        let bytes = try self.read(count: size - self.head, at: self.head, allowShort: true)
        var offset = 0
        var count = 0
        while case .record(_, let recordSize) = SpoolFraming.parse(bytes[offset...]) {
            offset += recordSize
            count += 1
        }
        self.end = self.head + offset
        self.count = count
        if self.end < size {
            guard ftruncate(self.file, off_t(self.end)) == 0 else { throw self.failure("truncating the torn tail") }
        }
    }

    private func saveHead(sync: Bool) throws(SimFileError) {
        var bytes: [UInt8] = []
        SpoolFraming.appendUInt64(UInt64(self.head), to: &bytes)
        SpoolFraming.appendUInt32(CRC32.checksum(bytes), to: &bytes)
        try self.writeAll(bytes, at: 0, to: self.headFile, what: "saving the head")
        if sync {
            guard fsync(self.headFile) == 0 else { throw self.failure("fsync of the head") }
            self.removalsSinceSync = 0
        }
    }

    private func writeAll(_ bytes: [UInt8], at offset: Int, to fd: Int32, what: String) throws(SimFileError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                pwrite(fd, buffer.baseAddress! + written, bytes.count - written, off_t(offset + written))
            }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else { throw self.failure(what) }
            written += result
        }
    }

    private func read(
        count: Int,
        at offset: Int,
        from fd: Int32? = nil,
        allowShort: Bool = false
    ) throws(SimFileError)
        -> [UInt8]
    {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(fd ?? self.file, buffer.baseAddress! + done, count - done, off_t(offset + done))
            }
            if result < 0, errno == EINTR { continue }
            guard result >= 0 else { throw self.failure("reading") }
            if result == 0 { break }
            done += result
        }
        guard done == count || allowShort else {
            throw SimFileError(path: self.path, message: "short read at offset \(offset)")
        }
        return Array(bytes[0..<done])
    }

    private func failure(_ what: String) -> SimFileError {
        SimFileError(path: self.path, message: "\(what): \(Self.errnoText())")
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
