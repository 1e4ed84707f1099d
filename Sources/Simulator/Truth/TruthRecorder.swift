import Foundation
import Synchronization

/// Appends `TruthRecord`s as JSON lines to a file. Lines are buffered in memory up to `bufferLimit` bytes and
/// written when the buffer fills (so memory stays bounded at any rate) and on `flush()` / `close()`.
public final class TruthRecorder: Sendable {
    public let path: String
    private let bufferLimit: Int
    private struct State {
        var handle: FileHandle?
        var buffer: [UInt8] = []
        var written = 0
        var failure: String?
    }
    private let state: Mutex<State>

    /// Creates (or truncates) the file at `path`.
    public init(path: String, bufferLimit: Int = 256 * 1024) throws(SimFileError) {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw SimFileError(path: path, message: "cannot create the ground-truth file")
        }
        self.path = path
        self.bufferLimit = max(1, bufferLimit)
        self.state = Mutex(State(handle: handle))
    }

    /// Records written so far (buffered or on disk).
    public var count: Int { self.state.withLock { $0.written } }

    /// The first write error, if any (recording goes on in memory-bounded fashion: later lines are dropped).
    public var failure: String? { self.state.withLock { $0.failure } }

    public func record(_ record: TruthRecord) {
        self.record([record])
    }

    public func record(_ records: [TruthRecord]) {
        guard !records.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines: [UInt8] = []
        for record in records {
            // Encoding a struct of strings, numbers and booleans cannot fail.
            guard let data = try? encoder.encode(record) else { continue }
            lines.append(contentsOf: data)
            lines.append(UInt8(ascii: "\n"))
        }
        self.state.withLock { state in
            state.buffer.append(contentsOf: lines)
            state.written += records.count
            if state.buffer.count >= self.bufferLimit { Self.write(&state) }
        }
    }

    /// Writes what is buffered.
    public func flush() {
        self.state.withLock { Self.write(&$0) }
    }

    /// Flushes and closes the file; later records are dropped.
    public func close() {
        self.state.withLock { state in
            Self.write(&state)
            try? state.handle?.synchronize()
            try? state.handle?.close()
            state.handle = nil
        }
    }

    private static func write(_ state: inout State) {
        guard !state.buffer.isEmpty else { return }
        defer { state.buffer.removeAll(keepingCapacity: true) }
        guard let handle = state.handle else { return }
        do {
            try handle.write(contentsOf: state.buffer)
        } catch {
            if state.failure == nil { state.failure = "\(error)" }
        }
    }
}
