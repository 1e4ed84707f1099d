import Bus
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The stable MQTT client id of this instance's ingest consumer, so its persistent session (and the telemetry the
/// broker queues for it while the instance restarts) is picked up again by the next run.
///
/// Kept in the data directory as `mqtt-client-id.{slot}` files, each holding one id generated on first use. An
/// instance claims the first slot it can lock (`flock`) and holds the lock while it runs: instances sharing a data
/// directory get different ids, and a restarted instance gets its old id back. The lock goes with `release()` or
/// the process.
public final class IngestClientID: Sendable {
    public static let filePrefix = "mqtt-client-id."
    /// Instances that can share one data directory.
    public static let slots = 64

    public let value: String
    /// The held lock, or -1 for an id given in the configuration (and after `release()`).
    private let descriptor: Mutex<Int32>

    private init(value: String, descriptor: Int32) {
        self.value = value
        self.descriptor = Mutex(descriptor)
    }

    deinit { self.release() }

    /// An id from `HARVESTRY_MQTT_CLIENT_ID` / `--mqtt-client-id` (already validated): nothing to lock.
    public static func configured(_ value: String) -> IngestClientID {
        IngestClientID(value: value, descriptor: -1)
    }

    /// Claims the first free slot in `directory` (created if missing), generating its id on first use.
    public static func claim(inDirectory directory: String) throws(ConfigurationError) -> IngestClientID {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ConfigurationError(field: "--data-dir", message: "cannot create \(directory): \(error)")
        }
        for slot in 0..<Self.slots {
            let path = directory + "/" + Self.filePrefix + "\(slot)"
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw ConfigurationError(field: "--data-dir", message: "cannot open \(path): errno \(errno)")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                continue
            }
            do {
                return IngestClientID(value: try Self.idInLockedFile(fd, path: path), descriptor: fd)
            } catch {
                close(fd)
                throw error
            }
        }
        throw ConfigurationError(
            field: "--data-dir",
            message: "all \(Self.slots) MQTT client id slots in \(directory) are held by running instances"
        )
    }

    /// The id the file holds, or a new one written to it when it is empty.
    private static func idInLockedFile(_ fd: Int32, path: String) throws(ConfigurationError) -> String {
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        let text = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty {
            guard (try? TopicValidation.validateClientID(text)) != nil else {
                throw ConfigurationError(
                    field: path,
                    message: "holds no MQTT client id (1-23 letters, digits, '-' or '_'); delete the file"
                )
            }
            return text
        }
        let id = MQTTIngest.randomClientID()
        let bytes = Array((id + "\n").utf8)
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw ConfigurationError(field: path, message: "cannot write the MQTT client id: errno \(errno)")
        }
        return id
    }

    /// Lets another instance claim the slot (also done on deinit).
    public func release() {
        let descriptor = self.descriptor.withLock { descriptor in
            defer { descriptor = -1 }
            return descriptor
        }
        if descriptor >= 0 { close(descriptor) }
    }
}
