// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "harvestry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "harvestry", targets: ["harvestry"]),
        .library(name: "CoreTransport", targets: ["CoreTransport"]),
        .library(name: "API", targets: ["API"]),
        .library(name: "Domain", targets: ["Domain"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "Bus", targets: ["Bus"]),
        // For Benchmarks/ (its own package): the echo servers serve HarvestryApp's EchoService.
        .library(name: "HarvestryApp", targets: ["HarvestryApp"]),
        // For Benchmarks/GatewayBench.
        .library(name: "Gateway", targets: ["Gateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // The JSON gateway's HTTP server. No default traits: swift-configuration and full Foundation are not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        // Client and bidirectional streams over WebSocket (its WSCore is lean: NIOWebSocket, no TLS).
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        // Already in the graph through Hummingbird; named for the gateway's direct imports.
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already in the graph through Hummingbird: the MQTT consumer's metrics (exported by the gateway's /metrics),
        // and TestMetrics in the tests.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        // System libraries: module map + shim header (inline helpers for macros Swift cannot import).
        // No pkgConfig for grpc: its expanded abseil flags overflow the link command.
        .systemLibrary(name: "CGRPC"),
        .systemLibrary(name: "CLibPQ"),
        .systemLibrary(name: "CMosquitto"),
        .systemLibrary(name: "CModbus"),

        // GRPCCore ServerTransport + ClientTransport on the gRPC C core.
        .target(
            name: "CoreTransport",
            dependencies: [
                "CGRPC",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Swift generated from proto/ by scripts/generate; committed, never hand-edited.
        .target(
            name: "API",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),

        // grpc.health.v1 and grpc.reflection (v1 + v1alpha).
        .target(
            name: "StandardServices",
            dependencies: [
                "API",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),

        // Records, repository protocols, validation and the audit chain: pure Swift, no I/O.
        .target(
            name: "Domain",
            swiftSettings: swiftSettings
        ),

        // posix_spawn/waitpid helpers and free loopback ports for the embedded servers (Postgres, Mosquitto).
        .target(
            name: "ProcessSupport",
            swiftSettings: swiftSettings
        ),

        // Postgres over libpq: pool, transactions, COPY, LISTEN/NOTIFY, migrations, the embedded-server launcher.
        .target(
            name: "Store",
            dependencies: [
                "CLibPQ",
                "Domain",
                "ProcessSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The .sql files are compiled in through Migration/Migration+Embedded.swift (scripts/generate).
            exclude: ["Migrations"],
            swiftSettings: swiftSettings
        ),

        // MQTT over libmosquitto: topic scheme, async client, embedded broker (docs/device-protocol.md). No Postgres.
        .target(
            name: "Bus",
            dependencies: [
                "CMosquitto",
                "ProcessSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // Modbus TCP over libmodbus: a client (the edge poller, tests) and a server with a register datastore, fault
        // table and request pacing (simulated devices), and the register maps both read (RegisterMaps/*.csv). Domain-free.
        .target(
            name: "Fieldbus",
            dependencies: [
                "CModbus",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // The edge agent (`harvestry edge`, docs/edge.md): polls Modbus devices, spools normalized readings durably,
        // uploads them to the platform's ingest.
        .target(
            name: "Edge",
            dependencies: [
                "API",
                "CoreTransport",
                "Fieldbus",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                // Health/: /healthz and /metrics (already in the graph through the gateway).
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),

        // The device simulator (docs/simulator.md): device models, the edge controller's safety logic, site model and
        // physics in pure Swift (Core/, Models/, Controller/); the MQTT runtime, fault proxy, simulated inverter and
        // ground-truth recorder around them.
        .target(
            name: "Simulator",
            dependencies: [
                "API",
                "Bus",
                // The pilot site (PilotSeed) the simulated site is built from.
                "Domain",
                "Fieldbus",
                "Store",
                // Service/: the gRPC SimulatorService (fault injection) the simulator process serves.
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),

        // HTTP/JSON <-> gRPC transcoding driven by the descriptors' google.api.http rules (docs/gateway.md).
        .target(
            name: "Gateway",
            dependencies: [
                "API",
                "CoreTransport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),

        // The server as a library: configuration, service wiring, lifecycle. The CLI is a thin shell over it.
        .target(
            name: "HarvestryApp",
            dependencies: [
                "API",
                "Bus",
                "Gateway",
                "CoreTransport",
                "Domain",
                "StandardServices",
                "Store",
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "harvestry",
            dependencies: [
                "API",
                "Bus",
                "CoreTransport",
                "Domain",
                "Edge",
                "Fieldbus",
                "Gateway",
                "HarvestryApp",
                "Simulator",
                "Store",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // What several test targets share (running child programs without blocking the cooperative pool).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "CoreTransportTests",
            dependencies: [
                "API",
                "CoreTransport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StandardServicesTests",
            dependencies: [
                "API",
                "StandardServices",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InteropTests",
            dependencies: [
                "TestSupport",
                "API",
                "CoreTransport",
                "HarvestryApp",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DomainTests",
            dependencies: ["Domain", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "TestSupport",
                "Domain",
                "Store",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BusTests",
            dependencies: [
                "Bus",
                "ProcessSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "TestSupport",
                "API",
                "CoreTransport",
                "Gateway",
                "HarvestryApp",
                "StandardServices",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HarvestryAppTests",
            dependencies: [
                "TestSupport",
                "API",
                "Bus",
                "CoreTransport",
                "Domain",
                "Gateway",
                "HarvestryApp",
                "ProcessSupport",
                // The command dispatcher's tests drive the simulator's edge controllers.
                "Simulator",
                "Store",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EdgeTests",
            dependencies: [
                "Edge",
                "Fieldbus",
                // The poller's tests poll the simulated Sungrow inverter.
                "Simulator",
                "TestSupport",
                // The uplink's tests deliver into a real server (embedded Postgres) over the C-core transport.
                "API",
                "CoreTransport",
                "HarvestryApp",
                "ProcessSupport",
                "Store",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            // The pymodbus server the poller's tests run as a child process.
            exclude: ["Poll/Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FieldbusTests",
            dependencies: [
                "Fieldbus",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // SimulatorService over the C-core transport and through the JSON gateway (its own target: it needs the
        // transport and the gateway, which the simulator's model tests do not).
        .testTarget(
            name: "SimulatorServiceTests",
            dependencies: [
                "TestSupport",
                "API",
                "Bus",
                "CoreTransport",
                "Fieldbus",
                "Gateway",
                "Simulator",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: [
                "TestSupport",
                "API",
                "Bus",
                "Fieldbus",
                "ProcessSupport",
                "Simulator",
                .product(name: "Logging", package: "swift-log"),
                // The fault proxy's tests run an echo upstream and raw TCP clients.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
