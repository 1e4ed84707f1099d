// swift-tools-version:6.1
// Builds the three protoc plugins scripts/generate needs, at the versions the main package pins.
// Only `swift build --product <plugin>` is ever run here.
import PackageDescription

let package = Package(
    name: "harvestry-protoc-plugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", exact: "2.4.3"),
    ],
    targets: [
        // Writes Sources/API/MessageTypes.swift (full protobuf name -> Swift type) for the JSON gateway.
        .executableTarget(
            name: "protoc-gen-harvestry-registry",
            dependencies: [.product(name: "SwiftProtobufPluginLibrary", package: "swift-protobuf")]
        ),
        // SwiftPM wants at least one target; this one exists only so the dependencies count as used.
        .target(
            name: "Plugins",
            dependencies: [
                .product(name: "protoc-gen-swift", package: "swift-protobuf"),
                .product(name: "protoc-gen-grpc-swift-2", package: "grpc-swift-protobuf"),
                // Pins the code generator library the gRPC plugin links to the runtime version we use.
                .product(name: "GRPCCodeGen", package: "grpc-swift-2"),
            ]
        )
    ]
)
