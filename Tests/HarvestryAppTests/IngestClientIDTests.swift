import Foundation
import HarvestryApp
import Testing

@Suite("The ingest consumer's stable MQTT client id")
struct IngestClientIDTests {
    @Test("instances sharing a data directory get different ids; a restart gets its id back")
    func claimsAndRestarts() throws {
        let directory = TestDirectory.make("client-id")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try IngestClientID.claim(inDirectory: directory)
        let second = try IngestClientID.claim(inDirectory: directory)
        #expect(first.value != second.value)
        let firstID = first.value
        first.release()
        let restarted = try IngestClientID.claim(inDirectory: directory)
        #expect(restarted.value == firstID)
        second.release()
        restarted.release()
    }

    @Test("a slot file that holds no valid client id is refused, naming the file")
    func corruptFile() throws {
        let directory = TestDirectory.make("client-id")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/" + IngestClientID.filePrefix + "0"
        try "not/a client id".write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try IngestClientID.claim(inDirectory: directory)
        } throws: { error in
            (error as? ConfigurationError)?.field == path
        }
    }
}
