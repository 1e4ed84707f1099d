import API
import Foundation
import GRPCCore
import SwiftProtobuf

/// Every read and write RPC that names a site, aimed at one site's resources.
extension DatabaseSuites.CrossSiteFuzzTests {
    static let attempts: [(String, Attempt)] = [
        ("GetRoom", { s, m, t in _ = try await s.spatial.getRoom(.with { $0.name = t.room }, metadata: m) }),
        ("ListRooms", { s, m, t in _ = try await s.spatial.listRooms(.with { $0.parent = t.site }, metadata: m) }),
        (
            "CreateRoom",
            { s, m, t in
                _ = try await s.spatial.createRoom(
                    .with {
                        $0.parent = t.site
                        $0.room = .with {
                            $0.code = "EVIL"; $0.displayName = "Evil"; $0.roomType = "veg"
                        }
                    },
                    metadata: m
                )
            }
        ),
        (
            "UpdateRoom",
            { s, m, t in
                _ = try await s.spatial.updateRoom(
                    .with {
                        $0.room = .with {
                            $0.name = t.room; $0.displayName = "Evil"
                        }; $0.updateMask.paths = ["display_name"]
                    },
                    metadata: m
                )
            }
        ),
        ("DeleteRoom", { s, m, t in _ = try await s.spatial.deleteRoom(.with { $0.name = t.room }, metadata: m) }),
        ("GetZone", { s, m, t in _ = try await s.spatial.getZone(.with { $0.name = t.zone }, metadata: m) }),
        ("ListZones", { s, m, t in _ = try await s.spatial.listZones(.with { $0.parent = t.site }, metadata: m) }),
        (
            "CreateZone",
            { s, m, t in
                _ = try await s.spatial.createZone(
                    .with {
                        $0.parent = t.site;
                        $0.zone = .with {
                            $0.code = "EVIL"; $0.displayName = "Evil"; $0.room = t.room
                        }
                    },
                    metadata: m
                )
            }
        ),
        (
            "UpdateZone",
            { s, m, t in
                _ = try await s.spatial.updateZone(
                    .with {
                        $0.zone = .with {
                            $0.name = t.zone; $0.displayName = "Evil"
                        }; $0.updateMask.paths = ["display_name"]
                    },
                    metadata: m
                )
            }
        ),
        ("DeleteZone", { s, m, t in _ = try await s.spatial.deleteZone(.with { $0.name = t.zone }, metadata: m) }),
        ("GetRack", { s, m, t in _ = try await s.spatial.getRack(.with { $0.name = t.rack }, metadata: m) }),
        ("ListRacks", { s, m, t in _ = try await s.spatial.listRacks(.with { $0.parent = t.site }, metadata: m) }),
        (
            "CreateRack",
            { s, m, t in
                _ = try await s.spatial.createRack(
                    .with {
                        $0.parent = t.site;
                        $0.rack = .with {
                            $0.code = "EVIL"; $0.displayName = "Evil"; $0.zone = t.zone
                        }
                    },
                    metadata: m
                )
            }
        ),
        (
            "UpdateRack",
            { s, m, t in
                _ = try await s.spatial.updateRack(
                    .with {
                        $0.rack = .with {
                            $0.name = t.rack; $0.displayName = "Evil"
                        }; $0.updateMask.paths = ["display_name"]
                    },
                    metadata: m
                )
            }
        ),
        ("DeleteRack", { s, m, t in _ = try await s.spatial.deleteRack(.with { $0.name = t.rack }, metadata: m) }),
        ("GetBin", { s, m, t in _ = try await s.spatial.getBin(.with { $0.name = t.bin }, metadata: m) }),
        ("ListBins", { s, m, t in _ = try await s.spatial.listBins(.with { $0.parent = t.site }, metadata: m) }),
        (
            "CreateBin",
            { s, m, t in
                _ = try await s.spatial.createBin(
                    .with {
                        $0.parent = t.site;
                        $0.bin = .with {
                            $0.code = "EVIL"; $0.displayName = "Evil"; $0.rack = t.rack
                        }
                    },
                    metadata: m
                )
            }
        ),
        (
            "UpdateBin",
            { s, m, t in
                _ = try await s.spatial.updateBin(
                    .with {
                        $0.bin = .with {
                            $0.name = t.bin; $0.displayName = "Evil"
                        }; $0.updateMask.paths = ["display_name"]
                    },
                    metadata: m
                )
            }
        ),
        ("DeleteBin", { s, m, t in _ = try await s.spatial.deleteBin(.with { $0.name = t.bin }, metadata: m) }),
        (
            "GetInventoryLocation",
            { s, m, t in
                _ = try await s.spatial.getInventoryLocation(.with { $0.name = t.location }, metadata: m)
            }
        ),
        (
            "ListInventoryLocations",
            { s, m, t in
                _ = try await s.spatial.listInventoryLocations(.with { $0.parent = t.site }, metadata: m)
            }
        ),
        (
            "CreateInventoryLocation",
            { s, m, t in
                _ = try await s.spatial.createInventoryLocation(
                    .with {
                        $0.parent = t.site
                        $0.inventoryLocation = .with {
                            $0.code = "EVIL"; $0.displayName = "Evil"; $0.locationType = "vault"
                        }
                    },
                    metadata: m
                )
            }
        ),
        (
            "UpdateInventoryLocation",
            { s, m, t in
                _ = try await s.spatial.updateInventoryLocation(
                    .with {
                        $0.inventoryLocation = .with {
                            $0.name = t.location; $0.displayName = "Evil"
                        }; $0.updateMask.paths = ["display_name"]
                    },
                    metadata: m
                )
            }
        ),
        (
            "DeleteInventoryLocation",
            { s, m, t in
                _ = try await s.spatial.deleteInventoryLocation(.with { $0.name = t.location }, metadata: m)
            }
        ),
        (
            "GetEquipment",
            { s, m, t in _ = try await s.spatial.getEquipment(.with { $0.name = t.sensor }, metadata: m) }
        ),
        (
            "ListEquipment",
            { s, m, t in _ = try await s.spatial.listEquipment(.with { $0.parent = t.site }, metadata: m) }
        ),
        (
            "CreateEquipment",
            { s, m, t in
                _ = try await s.spatial.createEquipment(
                    .with {
                        $0.parent = t.site;
                        $0.equipment = .with {
                            $0.code = "EVIL"; $0.type = "sensor"
                        }
                    },
                    metadata: m
                )
            }
        ),
        (
            "CreateEquipment by zoneId",
            { s, m, t in
                _ = try await s.spatial.createEquipment(
                    .with {
                        $0.equipment = .with {
                            $0.code = "EVIL"; $0.type = "sensor"; $0.zoneID = t.zoneID
                        }
                    },
                    metadata: m
                )
            }
        ),
        (
            "UpdateEquipment",
            { s, m, t in
                _ = try await s.spatial.updateEquipment(
                    .with {
                        $0.equipment = .with {
                            $0.name = t.sensor; $0.model = "Evil"
                        }; $0.updateMask.paths = ["model"]
                    },
                    metadata: m
                )
            }
        ),
        (
            "DeleteEquipment",
            { s, m, t in _ = try await s.spatial.deleteEquipment(.with { $0.name = t.sensor }, metadata: m) }
        ),
        (
            "GetSiteTree",
            { s, m, t in _ = try await s.spatial.getSiteTree(.with { $0.site = t.site }, metadata: m) }
        ),
        (
            "AddCalibration",
            { s, m, t in
                _ = try await s.spatial.addCalibration(
                    .with {
                        $0.parent = t.sensor;
                        $0.calibration = .with {
                            $0.date = Google_Protobuf_Timestamp(date: Date()); $0.result = .fail
                        }
                    },
                    metadata: m
                )
            }
        ),
        (
            "ListCalibrations",
            { s, m, t in
                _ = try await s.spatial.listCalibrations(.with { $0.parent = t.sensor }, metadata: m)
            }
        ),
        (
            "ListCalibrations by equipment id",
            { s, m, t in
                _ = try await s.spatial.listCalibrations(.with { $0.equipmentID = t.sensorID }, metadata: m)
            }
        ),
        (
            "RecordHeartbeat",
            { s, m, t in
                _ = try await s.spatial.recordHeartbeat(
                    .with {
                        $0.equipment = t.sensor; $0.status = .offline
                    },
                    metadata: m
                )
            }
        ),
        (
            "GetDeviceHealth",
            { s, m, t in
                _ = try await s.spatial.getDeviceHealth(.with { $0.name = t.sensor + "/health" }, metadata: m)
            }
        ),
        (
            "MapValveToZone",
            { s, m, t in
                _ = try await s.spatial.mapValveToZone(
                    .with {
                        $0.valve = t.valve; $0.zone = t.zone
                    },
                    metadata: m
                )
            }
        ),
        (
            "UnmapValveFromZone",
            { s, m, t in
                _ = try await s.spatial.unmapValveFromZone(
                    .with {
                        $0.valve = t.valve; $0.zone = t.zone
                    },
                    metadata: m
                )
            }
        ),
        (
            "ListValveZoneMappings",
            { s, m, t in
                _ = try await s.spatial.listValveZoneMappings(.with { $0.parent = t.site }, metadata: m)
            }
        ),
        (
            "ListUsers of the site",
            { s, m, t in _ = try await s.identity.listUsers(.with { $0.site = t.site }, metadata: m) }
        ),
        (
            "AssignUserSite",
            { s, m, t in
                _ = try await s.identity.assignUserSite(
                    .with {
                        $0.user = t.user; $0.site = t.site
                    },
                    metadata: m
                )
            }
        ),
        (
            "UnassignUserSite",
            { s, m, t in
                _ = try await s.identity.unassignUserSite(
                    .with {
                        $0.user = t.user; $0.site = t.site
                    },
                    metadata: m
                )
            }
        ),
        (
            "CreateUser into the site",
            { s, m, t in
                _ = try await s.identity.createUser(
                    .with {
                        $0.user = .with {
                            $0.displayName = "Evil";
                            $0.email = "evil-\(UInt32.random(in: 0...UInt32.max))@example.com"
                        }
                        $0.sites = [t.site]
                    },
                    metadata: m
                )
            }
        ),
    ]
}
