import Domain
import Foundation

/// The pilot site of FRP W0: Denver Grow Co., Denver Main Facility. Every id is derived from a stable key, so
/// loading twice finds the same rows (see `PilotSeed.load`).
public enum PilotSeed {
    public static let organizationName = "Denver Grow Co."
    public static let siteName = "Denver Main Facility"
    public static let organizationID = id("organization")
    public static let siteID = id("site")

    /// A name-based uuid (SHA-256 of `harvestry.pilot/<key>`, version 5 and variant bits set).
    public static func id(_ key: String) -> UUID {
        var bytes = Array(SHA256.hash(Array("harvestry.pilot/\(key)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
    }

    public struct Person: Sendable, Hashable {
        public var name: String
        public var email: String
        public var role: Role
        /// The seed's badge code (pilot/demo data: the codes are public, change them for production use).
        public var badge: String
        public var id: UUID { PilotSeed.id("user/\(self.email)") }
    }

    public struct Room: Sendable, Hashable {
        public var code: String
        public var name: String
        public var type: RoomType
        public var zones: Int
        public var id: UUID { PilotSeed.id("room/\(self.code)") }
        public var zoneCodes: [String] { (1...self.zones).map { "\(self.code)-Z\($0)" } }
    }

    public struct Device: Sendable, Hashable {
        public var code: String
        public var name: String
        public var kind: EquipmentKind
        public var loadClass: ValveLoadClass?
        /// A zone code (`VEG-1-Z1`), a room code (`VEG-1`), or empty for a device of the site outside any room.
        public var placement: String
        /// The maker's model, when the seed knows it.
        public var model: String? = nil
        /// The key of its id when it is not `equipment/<code>` (the irrigation controllers and tank sensors keep the
        /// ids the simulator gave them before the seed held them: `sim/controller/<room>`, `sim/tank/<room>`).
        public var idKey: String? = nil
        public var id: UUID { PilotSeed.id(self.idKey ?? "equipment/\(self.code)") }
        /// The room its placement is in (`VEG-1` for `VEG-1-Z1` and for `VEG-1`; empty for a site-level device).
        public var roomCode: String {
            self.placement.contains("-Z")
                ? String(self.placement.prefix(while: { $0 != "Z" }).dropLast()) : self.placement
        }
    }

    public static let rooms = [
        Room(code: "VEG-1", name: "Veg Room", type: .veg, zones: 4),
        Room(code: "FLW-1", name: "Flower Room", type: .flower, zones: 6),
    ]

    /// 4 operators, 3 managers, 2 compliance, 1 admin; everyone has a badge.
    public static let people: [Person] = {
        let names: [(String, Role)] = [
            ("Alex Rivera", .operator), ("Jordan Lee", .operator), ("Sam Patel", .operator),
            ("Casey Nguyen", .operator), ("Morgan Blake", .manager), ("Taylor Brooks", .manager),
            ("Riley Chen", .manager), ("Avery Diaz", .compliance), ("Quinn Foster", .compliance),
            ("Dana Whitaker", .admin),
        ]
        return names.enumerated().map { index, entry in
            let email = entry.0.lowercased().replacingOccurrences(of: " ", with: ".") + "@denvergrow.example"
            return Person(name: entry.0, email: email, role: entry.1, badge: "DGC-\(1001 + index)")
        }
    }()

    public static let strains: [(name: String, type: String)] = [
        ("Blue Dream", "hybrid"), ("OG Kush", "indica"), ("Gorilla Glue", "hybrid"),
    ]

    public static let batches: [(code: String, strain: String, phase: String, room: String, plants: Int)] = [
        ("BD-V-001", "Blue Dream", "veg", "VEG-1", 48),
        ("OG-F-002", "OG Kush", "flower", "FLW-1", 96),
    ]

    /// 12 sensors (temperature, humidity, EC, pH, moisture in each room, and each room's tank-level sensor), 5 valves,
    /// 2 pumps, 2 irrigation controllers (one per room: its valves, pump and tank sensor are wired to it), and the
    /// site's hybrid inverter (`inverter`, outside any room; its streams are `inverterStreams`).
    public static let devices: [Device] = {
        var devices: [Device] = []
        let sensors = [("TEMP", "Temperature"), ("HUM", "Humidity"), ("EC", "EC"), ("PH", "pH"), ("MOIST", "Moisture")]
        for (index, room) in ["VEG-1", "FLW-1"].enumerated() {
            for (prefix, label) in sensors {
                devices.append(
                    Device(
                        code: "\(prefix)-00\(index + 1)",
                        name: "\(label) sensor \(room)-Z1",
                        kind: .sensor,
                        placement: "\(room)-Z1"
                    )
                )
            }
        }
        let valves: [(String, ValveLoadClass)] = [
            ("VEG-1-Z1", .standard), ("VEG-1-Z2", .standard), ("FLW-1-Z1", .highLoad), ("FLW-1-Z2", .highLoad),
            ("FLW-1-Z3", .standard),
        ]
        for (index, valve) in valves.enumerated() {
            devices.append(
                Device(
                    code: "VLV-00\(index + 1)",
                    name: "Irrigation valve \(valve.0)",
                    kind: .valve,
                    loadClass: valve.1,
                    placement: valve.0
                )
            )
        }
        devices.append(Device(code: "PMP-001", name: "Feed pump Veg", kind: .pump, placement: "VEG-1"))
        devices.append(Device(code: "PMP-002", name: "Feed pump Flower", kind: .pump, placement: "FLW-1"))
        for room in ["VEG-1", "FLW-1"] {
            devices.append(
                Device(
                    code: "IRR-\(room)",
                    name: "Irrigation controller \(room)",
                    kind: .controller,
                    placement: room,
                    idKey: "sim/controller/\(room)"
                )
            )
            devices.append(
                Device(
                    code: "TANK-\(room)",
                    name: "Tank level sensor \(room)",
                    kind: .sensor,
                    placement: room,
                    idKey: "sim/tank/\(room)"
                )
            )
        }
        devices.append(inverter)
        return devices
    }()

    public static let inventoryLocations: [(code: String, name: String, type: LocationType, room: String?)] = [
        ("VAULT-1", "Vault", .vault, nil),
        ("NUTRIENTS", "Nutrient and media store", .storage, nil),
        ("QUARANTINE", "Quarantine cage", .quarantine, nil),
        ("STAGING", "Packaging staging", .staging, nil),
        ("VEG-1-FLOOR", "Veg room floor", .room, "VEG-1"),
        ("FLW-1-FLOOR", "Flower room floor", .room, "FLW-1"),
    ]
}
