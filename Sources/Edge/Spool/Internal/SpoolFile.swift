import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One open file descriptor of the spool (a segment appended to or read from); closed on deinit. Every call
/// blocks, so it is used only on the spool's own thread (`SpoolExecutor`).
final class SpoolFile {
    let path: String
    private let descriptor: Int32
    /// Bytes in the file, as this handle wrote or found them.
    private(set) var size: Int64

    private init(path: String, descriptor: Int32, size: Int64) {
        self.path = path
        self.descriptor = descriptor
        self.size = size
    }

    deinit { close(self.descriptor) }

    static func openForAppend(_ path: String) throws(SpoolError) -> SpoolFile {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.failure("open", path) }
        let size = lseek(descriptor, 0, SEEK_END)
        guard size >= 0 else {
            close(descriptor)
            throw Self.failure("lseek", path)
        }
        return SpoolFile(path: path, descriptor: descriptor, size: Int64(size))
    }

    static func openForReading(_ path: String) throws(SpoolError) -> SpoolFile {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.failure("open", path) }
        return SpoolFile(path: path, descriptor: descriptor, size: 0)
    }

    /// Writes all of `bytes` at the end; on failure the file is cut back to its size before the call, so a failed
    /// append leaves no partial record behind.
    func append(_ bytes: [UInt8]) throws(SpoolError) {
        var written = 0
        let failure: SpoolError? = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let result = write(self.descriptor, raw.baseAddress! + written, raw.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return Self.failure("write", self.path)
                }
                written += result
            }
            return nil
        }
        if let failure {
            _ = ftruncate(self.descriptor, off_t(self.size))
            throw failure
        }
        self.size += Int64(bytes.count)
    }

    /// Appends `bytes` and returns once they are on stable storage; on any failure the file is cut back, so the
    /// bytes are either all durable or absent.
    func appendDurably(_ bytes: [UInt8]) throws(SpoolError) {
        let before = self.size
        try self.append(bytes)
        do {
            try self.sync()
        } catch {
            _ = ftruncate(self.descriptor, off_t(before))
            self.size = before
            throw error
        }
    }

    /// Data and size on stable storage (fdatasync).
    func sync() throws(SpoolError) {
        guard fdatasync(self.descriptor) == 0 else { throw Self.failure("fdatasync", self.path) }
    }

    /// Up to `count` bytes from `offset` (fewer at the end of the file).
    func read(count: Int, at offset: Int64) throws(SpoolError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        let failure: SpoolError? = bytes.withUnsafeMutableBytes { raw in
            while filled < count {
                let result = pread(self.descriptor, raw.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
                if result < 0 {
                    if errno == EINTR { continue }
                    return Self.failure("pread", self.path)
                }
                if result == 0 { break }
                filled += result
            }
            return nil
        }
        if let failure { throw failure }
        bytes.removeSubrange(filled...)
        return bytes
    }

    static func readAll(_ path: String) throws(SpoolError) -> [UInt8] {
        let file = try Self.openForReading(path)
        var stats = stat()
        guard fstat(file.descriptor, &stats) == 0 else { throw Self.failure("fstat", path) }
        return try file.read(count: Int(stats.st_size), at: 0)
    }

    static func truncate(_ path: String, to size: Int) throws(SpoolError) {
        guard Glibc.truncate(path, off_t(size)) == 0 else { throw Self.failure("truncate", path) }
    }

    static func remove(_ path: String) throws(SpoolError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw Self.failure("unlink", path) }
    }

    /// Makes creations, renames and removals in `directory` durable.
    static func syncDirectory(_ directory: String) throws(SpoolError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.failure("open", directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.failure("fsync", directory) }
    }

    /// Replaces `path` with `bytes` atomically and durably (temporary file, fdatasync, rename, directory fsync).
    static func replace(_ path: String, with bytes: [UInt8], directory: String) throws(SpoolError) {
        let temporary = path + ".tmp"
        try Self.remove(temporary)
        let file = try Self.openForAppend(temporary)
        try file.append(bytes)
        try file.sync()
        guard rename(temporary, path) == 0 else { throw Self.failure("rename", temporary) }
        try Self.syncDirectory(directory)
    }

    static func failure(_ call: String, _ path: String) -> SpoolError {
        let code = errno
        return SpoolError(.io, "\(call) \(path): \(String(cString: strerror(code))) (errno \(code))")
    }
}
