import Domain
import Foundation
import Store
import Testing

/// Pure: the chain and its verifier without a database.
@Suite struct AuditChainPureTests {
    func event(_ n: Int, chain: UUID) -> AuditEvent {
        AuditEvent(
            organizationID: chain,
            siteID: nil,
            actorUserID: nil,
            action: "room.create",
            resourceType: "room",
            resourceID: "r\(n)",
            requestID: n.isMultiple(of: 2) ? nil : "req-\(n)",
            details: "{}",
            occurredAtMicros: 1_700_000_000_000_000 + Int64(n)
        )
    }

    func chain(_ count: Int) -> (UUID, [AuditEntry]) {
        let id = UUID()
        var entries: [AuditEntry] = []
        var (seq, hash) = (Int64(0), AuditChain.genesisHash)
        for n in 0..<count {
            let entry = AuditChain.append(self.event(n, chain: id), afterSeq: seq, hash: hash)
            entries.append(entry)
            (seq, hash) = (entry.seq, entry.rowHash)
        }
        return (id, entries)
    }

    func firstFault(_ id: UUID, _ entries: [AuditEntry], head: (Int64, [UInt8])) -> AuditFault? {
        var verifier = AuditChainVerifier(chainID: id)
        for entry in entries {
            if let fault = verifier.check(entry) { return fault }
        }
        return verifier.finish(headSeq: head.0, headHash: head.1)
    }

    @Test func intactChainVerifies() {
        let (id, entries) = self.chain(5)
        #expect(self.firstFault(id, entries, head: (5, entries[4].rowHash)) == nil)
    }

    @Test func nullAndEmptyFieldsHashDifferently() {
        let id = UUID()
        var a = self.event(1, chain: id)
        a.requestID = nil
        var b = a
        b.requestID = ""
        #expect(
            AuditChain.rowHash(chainID: id, seq: 1, event: a, prevHash: AuditChain.genesisHash)
                != AuditChain.rowHash(chainID: id, seq: 1, event: b, prevHash: AuditChain.genesisHash)
        )
    }

    @Test func everyKindOfTamperingIsLocated() {
        let (id, entries) = self.chain(6)
        let head = (Int64(6), entries[5].rowHash)
        var edited = entries
        edited[2].event.details = "{\"forged\":\"1\"}"
        #expect(
            self.firstFault(id, edited, head: head).map { "\($0.kind.rawValue)@\($0.seq)" }
                == "\(AuditFault.Kind.rowHashMismatch.rawValue)@3"
        )
        var rehashed = edited
        rehashed[2].rowHash = AuditChain.rowHash(
            chainID: id,
            seq: 3,
            event: edited[2].event,
            prevHash: edited[2].prevHash
        )
        #expect(
            self.firstFault(id, rehashed, head: head).map { "\($0.kind.rawValue)@\($0.seq)" }
                == "\(AuditFault.Kind.brokenLink.rawValue)@4"
        )
        var deleted = entries
        deleted.remove(at: 1)
        #expect(
            self.firstFault(id, deleted, head: head).map { "\($0.kind.rawValue)@\($0.seq)" }
                == "\(AuditFault.Kind.sequenceGap.rawValue)@3"
        )
        var swapped = entries
        swapped.swapAt(3, 4)
        (swapped[3].seq, swapped[4].seq) = (4, 5)
        #expect(
            self.firstFault(id, swapped, head: head).map { "\($0.kind.rawValue)@\($0.seq)" }
                == "\(AuditFault.Kind.brokenLink.rawValue)@4"
        )
        #expect(self.firstFault(id, Array(entries.prefix(4)), head: head)?.kind == .headMismatch)
    }
}

extension PostgresIntegrationTests {
    enum Tampering: String, CaseIterable, Sendable {
        case editDetails, editAndRehash, deleteMiddle, reorder, deleteTail
    }

    /// Tampering with the stored audit log as the owner is detected, and the first bad row is named.
    @Test(arguments: Tampering.allCases)
    func auditTamperingIsDetectedAndLocated(_ tampering: Tampering) async throws {
        try await withMigratedDatabase { db in
            _ = try await PilotSeed.load(db.owner)
            let chain = SQLValue(PilotSeed.siteID)
            #expect(try await AuditVerifier(batchSize: 7).verify(db.owner).fault == nil)
            let total = try await db.owner.query(
                "SELECT seq FROM audit_chain_heads WHERE chain_id = $1::uuid",
                [chain]
            )[0]
            .decode("seq", as: Int64.self)
            let expected: (AuditFault.Kind, Int64)
            switch tampering {
            case .editDetails:
                try await db.owner.query(
                    "UPDATE audit_logs SET details = '{\"forged\":\"1\"}' WHERE chain_id = $1::uuid AND seq = 10",
                    [chain]
                )
                expected = (.rowHashMismatch, 10)
            case .editAndRehash:
                // A forger who recomputes the edited row's hash still breaks the next row's link.
                try await db.owner.query(
                    "UPDATE audit_logs SET resource_id = 'forged', row_hash = sha256(row_hash) "
                        + "WHERE chain_id = $1::uuid AND seq = 10",
                    [chain]
                )
                expected = (.rowHashMismatch, 10)
            case .deleteMiddle:
                try await db.owner.query("DELETE FROM audit_logs WHERE chain_id = $1::uuid AND seq = 20", [chain])
                expected = (.sequenceGap, 21)
            case .reorder:
                try await db.owner.transaction { connection in
                    try await connection.query(
                        "UPDATE audit_logs SET seq = 1000000 WHERE chain_id = $1::uuid AND seq = 30",
                        [chain]
                    )
                    try await connection.query(
                        "UPDATE audit_logs SET seq = 30 WHERE chain_id = $1::uuid AND seq = 31",
                        [chain]
                    )
                    try await connection.query(
                        "UPDATE audit_logs SET seq = 31 WHERE chain_id = $1::uuid AND seq = 1000000",
                        [chain]
                    )
                }
                expected = (.brokenLink, 30)
            case .deleteTail:
                try await db.owner.query(
                    "DELETE FROM audit_logs WHERE chain_id = $1::uuid AND seq = $2",
                    [chain, SQLValue(total)]
                )
                expected = (.headMismatch, total)
            }
            let report = try await AuditVerifier(batchSize: 7).verify(db.owner)
            let fault = try #require(report.fault)
            #expect(fault.kind == expected.0)
            #expect(fault.seq == expected.1)
            #expect(fault.chainID == PilotSeed.siteID)
        }
    }

    /// Concurrent writers to one site's chain serialize on its head: every row gets the next seq and links up.
    @Test func concurrentAppendsKeepTheChainLinear() async throws {
        try await withMigratedDatabase { db in
            let tenant = try await TestTenant.make(in: db, sites: 1)
            let spatial = db.spatial
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<24 {
                    group.addTask {
                        _ = try await spatial.createRoom(
                            NewRoom(siteID: tenant.siteIDs[0], code: "R\(n)", name: "Room \(n)", roomType: .veg),
                            in: tenant.scope,
                            audit: AuditContext(requestID: "req-\(n)")
                        )
                    }
                }
                try await group.waitForAll()
            }
            let report = try await AuditVerifier().verify(db.owner)
            #expect(report.fault == nil)
            #expect(report.rows == 24)
            let seqs = try await db.owner.query(
                "SELECT seq FROM audit_logs WHERE chain_id = $1::uuid ORDER BY seq",
                [SQLValue(tenant.siteIDs[0])]
            ).map { try $0.decode("seq", as: Int64.self) }
            #expect(seqs == Array(1...24))
        }
    }
}
