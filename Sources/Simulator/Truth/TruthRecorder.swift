import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends `TruthRecord`s as JSON lines to a file. `record` only encodes (by hand, `TruthRecord.appendJSONLine`)
/// into a buffer; a full buffer (`bufferLimit` bytes), `flush()` and `close()` hand it to the recorder's own file
/// thread (`FileIOQueue`), which writes the buffers in order: no write blocks the cooperative pool. Memory stays
/// bounded at any rate: while more than `inFlightLimit` bytes wait for the disk, new records are dropped, counted
/// and reported by `failure` (a ground truth with a known gap, rather than a simulator out of memory).
public final class TruthRecorder: Sendable {
    public let path: String
    private let bufferLimit: Int
    private let inFlightLimit: Int
    /// Written only by jobs of `io`.
    private let file: Int32
    private let io = FileIOQueue()
    private struct State {
        var buffer: [UInt8] = []
        var written = 0
        var closed = false
        /// Bytes handed to the file thread and not yet written.
        var inFlight = 0
        var dropped = 0
    }
    private let state = Mutex(State())
    private let firstFailure = Mutex<String?>(nil)

    /// Creates (or truncates) the file at `path`.
    public init(
        path: String,
        bufferLimit: Int = 256 * 1024,
        inFlightLimit: Int = 64 * 1024 * 1024
    ) throws(SimFileError) {
        let file = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard file >= 0 else {
            throw SimFileError(path: path, message: "cannot create the ground-truth file: \(Self.errnoText())")
        }
        self.path = path
        self.file = file
        self.bufferLimit = max(1, bufferLimit)
        self.inFlightLimit = max(self.bufferLimit, inFlightLimit)
    }

    /// Records taken so far (buffered, being written or on disk).
    public var count: Int { self.state.withLock { $0.written } }

    /// The first write error, if any (recording goes on; what failed to be written is lost), and how many records
    /// were dropped because the disk did not keep up.
    public var failure: String? {
        let dropped = self.state.withLock { $0.dropped }
        let error = self.firstFailure.withLock { $0 }
        guard dropped > 0 else { return error }
        let gap = "\(self.path): \(dropped) records dropped, the disk did not keep up"
        return error.map { "\($0); \(gap)" } ?? gap
    }

    public func record(_ record: TruthRecord) {
        self.record([record])
    }

    public func record(_ records: [TruthRecord]) {
        guard !records.isEmpty else { return }
        var lines: [UInt8] = []
        for record in records { record.appendJSONLine(to: &lines) }
        self.state.withLock { state in
            guard !state.closed else { return }
            guard state.inFlight + state.buffer.count < self.inFlightLimit else {
                state.dropped += records.count
                return
            }
            state.buffer.append(contentsOf: lines)
            state.written += records.count
            if state.buffer.count >= self.bufferLimit { self.writeBuffer(&state) }
        }
    }

    /// Writes what is buffered and returns once it is written.
    public func flush() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            self.state.withLock { self.writeBuffer(&$0) { done.resume() } }
        }
    }

    /// Writes what is buffered, `fsync`s and closes the file, and stops the file thread; later records are dropped.
    public func close() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            self.state.withLock { state in
                guard !state.closed else {
                    self.io.enqueue { done.resume() }
                    return
                }
                state.closed = true
                self.writeBuffer(&state) { [file] in
                    fsync(file)
                    Self.closeFile(file)
                    done.resume()
                }
            }
        }
        await self.io.shutdown()
    }

    /// Hands the buffer to the file thread (under the state's lock, so buffers are written in the order filled),
    /// then runs `then` there.
    private func writeBuffer(_ state: inout State, then: (@Sendable () -> Void)? = nil) {
        let bytes = state.buffer
        state.buffer = []
        state.buffer.reserveCapacity(min(self.bufferLimit, 1 << 20))
        state.inFlight += bytes.count
        self.io.enqueue { [self] in
            if !bytes.isEmpty, let error = Self.writeAll(bytes, to: self.file) {
                self.firstFailure.withLock { failure in
                    if failure == nil { failure = "\(self.path): \(error)" }
                }
            }
            self.state.withLock { $0.inFlight -= bytes.count }
            then?()
        }
    }

    /// Writes every byte (retrying short writes and EINTR); the error text when it cannot.
    private static func writeAll(_ bytes: [UInt8], to file: Int32) -> String? {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in write(file, buffer.baseAddress! + done, bytes.count - done) }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else { return Self.errnoText() }
            done += result
        }
        return nil
    }

    private static func closeFile(_ file: Int32) {
        #if canImport(Darwin)
        _ = Darwin.close(file)
        #elseif canImport(Musl)
        _ = Musl.close(file)
        #else
        _ = Glibc.close(file)
        #endif
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
