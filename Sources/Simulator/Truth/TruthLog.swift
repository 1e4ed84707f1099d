import Foundation

/// Reads a ground-truth file back (tests and drills).
public enum TruthLog {
    /// Every record of the JSON-lines file at `path`, in order; an error names the line that is not a record.
    public static func read(path: String) throws(SimFileError) -> [TruthRecord] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimFileError(path: path, message: "cannot read the ground-truth file")
        }
        let decoder = JSONDecoder()
        var records: [TruthRecord] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            do {
                records.append(try decoder.decode(TruthRecord.self, from: Data(line)))
            } catch {
                throw SimFileError(path: path, message: "line \(index + 1) is not a ground-truth record: \(error)")
            }
        }
        return records
    }
}
