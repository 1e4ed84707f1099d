import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `<spool dir>/<tag>.lock`, one per simulator instance of a site (`tag` is its client
/// ids' site tag), held for a whole run: a second simulator with the same site, instance and spool directory fails
/// at its start instead of sharing the spool files (and the broker sessions) of the first. The kernel drops the
/// lock when the process ends, however it ends; `release()` (or deinit) drops it earlier.
final class SpoolDirectoryLock: Sendable {
    let path: String
    private let file: Mutex<Int32>

    /// Takes the lock or throws naming `--instance` and `--spool-dir`. Blocking (file I/O): not for the
    /// cooperative pool.
    init(directory: String, tag: String, instance: String) throws(SimFileError) {
        self.path = "\(directory)/hvs-\(tag).lock"
        let file = open(self.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard file >= 0 else {
            throw SimFileError(path: self.path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        guard flock(file, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            close(file)
            throw SimFileError(
                path: self.path,
                message: busy
                    ? "another simulator of this site runs with --instance \(instance) on --spool-dir \(directory); "
                        + "give each simulator of a site its own --instance (or its own --spool-dir)"
                    : "cannot lock: \(reason)"
            )
        }
        self.file = Mutex(file)
    }

    func release() {
        self.file.withLock { file in
            guard file >= 0 else { return }
            close(file)
            file = -1
        }
    }

    deinit { self.release() }
}
