// swift-tools-version:6.1
// The benchmark servers, kept out of the main package so its build stays lean: the NIO transport (the peer we
// compare against) is a dependency of this package only. Build: swift build -c release --package-path Benchmarks
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "harvestry-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, so the identity does not depend on the checkout's directory name (main, a worktree, CI's clone).
        .package(name: "harvestry", path: ".."),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        // EchoService/Echo as HTTP/JSON: through the JSON gateway, or a hand-written Hummingbird handler.
        .executableTarget(
            name: "GatewayBench",
            dependencies: [
                "EchoServerSupport",
                .product(name: "API", package: "harvestry"),
                .product(name: "Gateway", package: "harvestry"),
                .product(name: "HarvestryApp", package: "harvestry"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // What both servers share: `--port N`, `LISTENING <port>`, stop on SIGTERM.
        .target(
            name: "EchoServerSupport",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // EchoService on our transport (gRPC C core).
        .executableTarget(
            name: "EchoServerCCore",
            dependencies: [
                "EchoServerSupport",
                .product(name: "CoreTransport", package: "harvestry"),
                .product(name: "HarvestryApp", package: "harvestry"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
            ],
            swiftSettings: swiftSettings
        ),
        // EchoService on grpc-swift-2's HTTP/2 transport (SwiftNIO), plaintext.
        .executableTarget(
            name: "EchoServerNIO",
            dependencies: [
                "EchoServerSupport",
                .product(name: "HarvestryApp", package: "harvestry"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
