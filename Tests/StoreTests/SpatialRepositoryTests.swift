import Domain
import Foundation
import Store
import Testing

extension PostgresIntegrationTests {
    @Test func spatialHierarchyEquipmentCalibrationHeartbeatAndMapping() async throws {
        try await withMigratedDatabase { db in
            let tenant = try await TestTenant.make(in: db)
            let site = tenant.siteIDs[0]
            let scope = tenant.scope
            let spatial = db.spatial
            let room = try await spatial.createRoom(
                NewRoom(siteID: site, code: "VEG-1", name: "Veg Room 1", roomType: .veg),
                in: scope,
                audit: .none
            )
            let zone = try await spatial.createZone(
                NewSpatialChild(siteID: site, parentID: room.id, code: "VEG-1-Z1", name: "Zone 1"),
                in: scope,
                audit: .none
            )
            let rack = try await spatial.createRack(
                NewSpatialChild(siteID: site, parentID: zone.id, code: "R1", name: "Rack 1"),
                in: scope,
                audit: .none
            )
            let bin = try await spatial.createBin(
                NewSpatialChild(siteID: site, parentID: rack.id, code: "B1", name: "Bin 1"),
                in: scope,
                audit: .none
            )
            let sensor = try await spatial.createEquipment(
                NewEquipment(siteID: site, code: "TEMP-001", name: "Temp", kind: .sensor, zoneID: zone.id),
                in: scope,
                audit: .none
            )
            let valve = try await spatial.createEquipment(
                NewEquipment(
                    siteID: site,
                    code: "VLV-001",
                    name: "Valve",
                    kind: .valve,
                    valveLoadClass: .highLoad,
                    zoneID: zone.id
                ),
                in: scope,
                audit: .none
            )
            let location = try await spatial.createInventoryLocation(
                NewInventoryLocation(
                    siteID: site,
                    code: "LOC-B1",
                    name: "Bin 1",
                    locationType: .bin,
                    anchor: .bin(bin.id)
                ),
                in: scope,
                audit: .none
            )
            #expect(location.anchor == .bin(bin.id))

            let performed = Date(timeIntervalSince1970: 1_760_000_000)
            let due = performed.addingTimeInterval(86_400 * 90)
            let calibration = try await spatial.addCalibration(
                NewCalibration(
                    siteID: site,
                    equipmentID: sensor.id,
                    performedAt: performed,
                    result: .pass,
                    nextDueAt: due
                ),
                in: scope,
                audit: .none
            )
            #expect(
                try await spatial.listCalibrations(equipmentID: sensor.id, in: scope, page: .first).items
                    == [calibration]
            )
            #expect(try await spatial.equipment(sensor.id, in: scope).calibrationDueAt == due)

            let beat = Date(timeIntervalSince1970: 1_760_000_100)
            let health = try await spatial.recordHeartbeat(
                Heartbeat(siteID: site, equipmentID: sensor.id, status: .online, at: beat, firmwareVersion: "1.2.3"),
                in: scope,
                audit: .none
            )
            #expect(health.lastHeartbeatAt == beat)
            // An older heartbeat does not overwrite a newer one.
            _ = try await spatial.recordHeartbeat(
                Heartbeat(siteID: site, equipmentID: sensor.id, status: .offline, at: beat.addingTimeInterval(-60)),
                in: scope,
                audit: .none
            )
            #expect(try await spatial.deviceHealth(equipmentID: sensor.id, in: scope)?.status == .online)

            #expect(try await spatial.listFaultReasonCodes().contains { $0.code == "ESTOP" })
            let faulted = try await spatial.recordHeartbeat(
                Heartbeat(
                    siteID: site,
                    equipmentID: valve.id,
                    status: .degraded,
                    at: beat,
                    faultCode: "OVER_CURRENT"
                ),
                in: scope,
                audit: .none
            )
            #expect(faulted.faultCode == "OVER_CURRENT")
            let unknownFault = try await #require(throws: DomainError.self) {
                try await spatial.recordHeartbeat(
                    Heartbeat(
                        siteID: site,
                        equipmentID: valve.id,
                        status: .degraded,
                        at: beat,
                        faultCode: "GREMLINS"
                    ),
                    in: scope,
                    audit: .none
                )
            }
            #expect(unknownFault.violations.first?.field == "heartbeat.fault_code")
            let mapping = try await spatial.mapValve(valve.id, toZone: zone.id, in: scope, audit: .none)
            #expect(try await spatial.mapValve(valve.id, toZone: zone.id, in: scope, audit: .none) == mapping)
            let notValve = try await #require(throws: DomainError.self) {
                try await spatial.mapValve(sensor.id, toZone: zone.id, in: scope, audit: .none)
            }
            #expect(notValve.violations.first?.field == "valve_id")

            let tree = try await spatial.tree(siteID: site, in: scope)
            #expect(tree.rooms.count == 1)
            #expect(tree.rooms[0].zones[0].racks[0].bins.map(\.id) == [bin.id])
            #expect(Set(tree.rooms[0].zones[0].equipment.map(\.id)) == [sensor.id, valve.id])

            let busy = try await #require(throws: DomainError.self) {
                try await spatial.deleteRoom(room.id, in: scope, audit: .none)
            }
            #expect(busy.code == .failedPrecondition)
            let renamed = try await spatial.renameZone(zone.id, name: "Zone One", in: scope, audit: .none)
            #expect(renamed.header.name == "Zone One")

            let report = try await AuditVerifier().verify(db.owner)
            #expect(report.fault == nil)
            // 7 creates, calibration, two first heartbeats (status changes), mapping, rename.
            #expect(report.rows == 12)
        }
    }
}
