import Foundation
import Simulator

/// What `sim run` and `bench sim` say about their ground truth once it is closed.
enum SimTruthReport {
    /// Writes the recorder's failure (a write error, or records dropped because the disk did not keep up) to
    /// stderr: the file has a gap a drill must know about.
    static func warn(_ truth: TruthRecorder?) {
        guard let failure = truth?.failure else { return }
        FileHandle.standardError.write(Data("warning: the ground truth is incomplete: \(failure)\n".utf8))
    }
}
