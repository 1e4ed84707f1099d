import API
import CoreTransport
import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

extension EdgePlatform {
    /// The registers the agent tests poll, with the platform stream type of each.
    static let inverterStreams: [(key: String, type: Harvestry_Telemetry_V1_StreamType)] = [
        ("total_dc_power", .power), ("total_active_power", .power), ("battery_level", .stateOfCharge),
    ]

    /// Creates an inverter with one stream per `inverterStreams` entry (while the server runs); returns its id.
    func provisionInverter() async throws -> String {
        try await withGRPCClient(transport: try CoreClientTransport(target: self.target)) { grpc in
            let spatial = Harvestry_Spatial_V1_SpatialService.Client(wrapping: grpc)
            let telemetry = Harvestry_Telemetry_V1_TelemetryService.Client(wrapping: grpc)
            let metadata: Metadata = ["authorization": .string("Bearer \(self.token)")]
            let site = "sites/" + self.siteID.uuidString.lowercased()
            let device = try await spatial.createEquipment(
                .with {
                    $0.parent = site
                    $0.equipment = .with {
                        $0.code = "INV-E2E-\(UInt16.random(in: 0...9999))"
                        $0.displayName = "Agent test inverter"
                        $0.kind = .inverter
                    }
                },
                metadata: metadata
            )
            for stream in Self.inverterStreams {
                _ = try await telemetry.createStream(
                    .with {
                        $0.parent = site
                        $0.stream = .with {
                            $0.device = device.name
                            $0.key = stream.key
                            $0.type = stream.type
                        }
                    },
                    metadata: metadata
                )
            }
            return device.id
        }
    }
}
