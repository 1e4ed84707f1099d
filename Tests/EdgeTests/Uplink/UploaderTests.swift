import API
import Foundation
import GRPCCore
import GRPCProtobuf
import Logging
import SwiftProtobuf
import Synchronization
import Testing

@testable import Edge

/// The delivery loop against a scripted platform: what it acknowledges, retries and drops.
@Suite struct UploaderTests {
    /// Answers each call with the next scripted outcome (then success), recording the requests.
    final class ScriptedSender: IngestSender {
        let script: Mutex<[(any Error)?]>
        let requests = Mutex<[Harvestry_Telemetry_V1_IngestReadingsRequest]>([])

        init(_ script: [(any Error)?]) { self.script = Mutex(script) }

        func ingest(
            _ request: Harvestry_Telemetry_V1_IngestReadingsRequest
        ) async throws -> Harvestry_Telemetry_V1_IngestReadingsResponse {
            self.requests.withLock { $0.append(request) }
            let next = self.script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            if let next { throw next }
            return .with { $0.accepted = Int32(request.batch.readings.count) }
        }
    }

    static func uploader(_ spool: FileSpool) async throws -> Uploader {
        try Uploader(
            spool: spool,
            spoolIdentity: await spool.identity,
            configuration: UplinkConfiguration(
                target: "unused:1",
                token: "t",
                batchLimit: 4,
                idleInterval: .milliseconds(5),
                backoff: UplinkBackoff(initial: .milliseconds(5), maximum: .milliseconds(20))
            ),
            logger: edgeTestLogger
        )
    }

    /// Runs the loop until the spool is empty (bounded), then cancels it.
    static func deliverAll(_ uploader: Uploader, _ spool: FileSpool, _ sender: ScriptedSender) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await uploader.deliver(with: sender) }
            for _ in 0..<2000 where await spool.status().depth > 0 { try await Task.sleep(for: .milliseconds(5)) }
            group.cancelAll()
        }
    }

    @Test func unavailableIsRetriedAndTheBatchAcknowledgedOnlyAfterSuccess() async throws {
        let directory = SpoolDirectory()
        defer { directory.remove() }
        let spool = try await directory.open()
        try await spool.append((0..<6).map { patternReading($0, devices: ["dev-a"]) })
        let unavailable = RPCError(code: .unavailable, message: "down")
        let sender = ScriptedSender([unavailable, unavailable, unavailable])
        let uploader = try await Self.uploader(spool)

        // While every call fails the batch stays.
        let first = try #require(try await spool.oldestBatch(limit: 4))
        let delivery = await uploader.deliver(first, with: sender)
        #expect(delivery != .done)
        #expect(await spool.status().depth == 6)

        try await Self.deliverAll(uploader, spool, sender)
        #expect(await spool.status().depth == 0)
        let requests = sender.requests.withLock { $0 }
        // 1 direct failure + 2 failed retries of the first batch, its success, then the second batch.
        #expect(requests.count == 5)
        #expect(Set(requests.prefix(4).map(\.requestID)).count == 1)
        #expect(requests.last?.batch.readings.count == 2)
        let snapshot = uploader.metrics.snapshot()
        #expect(snapshot.acceptedReadings == 6 && snapshot.errors.values.reduce(0, +) == 3 && snapshot.consecutiveFailures == 0)
    }

    @Test func readingsTheServerNamesAreDroppedAndTheRestDelivered() async throws {
        let directory = SpoolDirectory()
        defer { directory.remove() }
        let spool = try await directory.open()
        try await spool.append((0..<4).map { patternReading($0, devices: ["dev-a"]) })
        let status = GoogleRPCStatus(
            code: .invalidArgument,
            message: "invalid",
            details: [
                .badRequest(violations: [.init(field: "batch.readings[1].value", description: "out of range")])
            ]
        )
        let sender = ScriptedSender([RPCError(status)])
        let uploader = try await Self.uploader(spool)
        try await Self.deliverAll(uploader, spool, sender)
        let requests = sender.requests.withLock { $0 }
        #expect(requests.count == 2)
        #expect(requests[1].batch.readings.map(\.value) == [0.25, 2.25, 3.25])
        #expect(requests[1].requestID == requests[0].requestID + ":v1")
        #expect(uploader.metrics.snapshot().rejectedReadings == 1)
        #expect(await spool.status().depth == 0)
    }

    @Test func anUnknownDeviceIsDroppedWithoutHoldingBackTheOthers() async throws {
        let directory = SpoolDirectory()
        defer { directory.remove() }
        let spool = try await directory.open()
        try await spool.append((0..<4).map { patternReading($0) })
        let sender = ScriptedSender([RPCError(code: .notFound, message: "no such device")])
        let uploader = try await Self.uploader(spool)
        try await Self.deliverAll(uploader, spool, sender)
        #expect(Set(sender.requests.withLock { $0.map(\.batch.deviceID) }) == ["dev-a", "dev-b"])
        #expect(uploader.metrics.snapshot().rejectedReadings == 2)
        #expect(await spool.status().depth == 0)
    }
}
