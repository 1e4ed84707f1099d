import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The exclusive lock on a spool directory (`flock` on its `lock` file), held while a `FileSpool` is open: two agents
/// appending to and pruning one directory would number records alike and delete each other's segments. Released when
/// closed or when the process dies (kill -9 included).
final class SpoolLock {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(self.descriptor) }

    static func acquire(directory: String) throws(SpoolError) -> SpoolLock {
        let path = directory + "/lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw SpoolError(.io, "spool.directory \(directory): cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK ? "another process (or spool) has it open" : String(cString: strerror(errno))
            close(descriptor)
            throw SpoolError(.io, "spool.directory \(directory) is in use: \(reason)")
        }
        return SpoolLock(descriptor: descriptor)
    }
}
