// swift-tools-version: 6.1
import PackageDescription

/// Targets are layered as in docs/ARCHITECTURE.md. Pure targets (no I/O, no clocks, no
/// Foundation, no Logging) are listed in `pureTargets`; ArchitectureTests checks their imports.
let package = Package(
    name: "Synod",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "synod", targets: ["synod"]),
        .executable(name: "synod-fuzz", targets: ["SynodFuzz"]),
        .library(name: "SynodPartitioning", targets: ["SynodPartitioning"]),
        .library(name: "SynodBalancing", targets: ["SynodBalancing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Pure layer.
        // CRC-32C with the CPU's crc32 instruction, where there is one (C: Swift cannot ask
        // for one function's target feature).
        .target(name: "CSynodCRC32C"),
        // What the C allocator holds (glibc's mallinfo2), for INFO memory.
        .target(name: "CSynodHeap"),
        .target(name: "CSynodWriteback"),
        .target(name: "SynodCore", dependencies: ["CSynodCRC32C"]),
        .target(
            name: "SynodPartitioning",
            dependencies: ["SynodCore", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(
            name: "SynodBalancing",
            dependencies: [
                "SynodCore",
                "SynodPartitioning",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        .target(name: "SynodConsensus", dependencies: ["SynodCore"]),
        .target(
            name: "SynodRaft",
            dependencies: [
                "SynodCore", "SynodConsensus",
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(name: "SynodRESP", dependencies: ["SynodCore"]),
        .target(
            name: "SynodKeyValue",
            dependencies: [
                "SynodCore", "SynodConsensus", "SynodRuntime",
                .product(name: "HashTreeCollections", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .target(name: "SynodCommands", dependencies: ["SynodKeyValue", "SynodPartitioning"]),
        .target(
            name: "SynodPeerProtocol",
            dependencies: ["SynodCore", "SynodRaft", "SynodKeyValue", "SynodCommands", "SynodRuntime"]
        ),
        .target(
            name: "SynodStorage",
            dependencies: [
                "SynodCore", "SynodConsensus",
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "SynodRuntime",
            dependencies: ["SynodCore", "SynodConsensus"]
        ),
        .target(
            name: "SynodSimulation",
            dependencies: [
                "SynodCore", "SynodConsensus", "SynodRaft", "SynodStorage", "SynodKeyValue", "SynodRuntime",
                "SynodPeerProtocol", "SynodCommands", "SynodPartitioning",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        // Shell layer.
        .target(name: "SynodPOSIXStorage", dependencies: ["SynodStorage", "CSynodWriteback"]),
        .target(
            name: "SynodNode",
            dependencies: [
                "SynodCore", "SynodConsensus", "SynodRaft", "SynodStorage", "SynodPOSIXStorage", "SynodKeyValue",
                "SynodRESP", "SynodCommands", "SynodPeerProtocol", "SynodPartitioning", "SynodRuntime",
                "CSynodHeap",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .target(
            name: "SynodReports",
            dependencies: [
                "SynodCore",
                "SynodPartitioning",
                "SynodBalancing",
                "SynodConsensus",
                "SynodRaft",
                "SynodSimulation",
                "SynodStorage",
                "SynodPOSIXStorage",
                .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "synod",
            dependencies: [
                "SynodReports",
                "SynodPartitioning",
                "SynodSimulation",
                "SynodNode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // jemalloc replaces libc's malloc in the server (as in Redis): 10-15% more pipelined
            // SETs per second than glibc's, whose frees and mallocs took 9% of the consensus
            // thread. CSynodHeap reads its statistics and sets its options (malloc_conf).
            linkerSettings: [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]
        ),
        // Fuzzing (see scripts/fuzz): the targets are pure; the executable is a thin shell that
        // runs them over files, or is libFuzzer's entry point when built with -DSYNOD_FUZZING.
        .target(
            name: "SynodFuzzTargets",
            dependencies: [
                "SynodCore", "SynodRESP", "SynodConsensus", "SynodRaft", "SynodKeyValue", "SynodCommands",
                "SynodPeerProtocol", "SynodStorage", "SynodRuntime",
            ]
        ),
        .executableTarget(name: "SynodFuzz", dependencies: ["SynodFuzzTargets"]),
        // The TLS helpers (test certificates, a TLS RESP client) bring NIO and swift-certificates.
        .target(
            name: "SynodTestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Tests mirror targets.
        .testTarget(name: "SynodCoreTests", dependencies: ["SynodCore"]),
        .testTarget(name: "SynodPartitioningTests", dependencies: ["SynodPartitioning"]),
        .testTarget(name: "SynodBalancingTests", dependencies: ["SynodBalancing"]),
        .testTarget(
            name: "SynodRaftTests",
            dependencies: ["SynodRaft", "SynodConsensus", "SynodCore"],
            exclude: ["Scenarios"]
        ),
        .testTarget(name: "SynodRESPTests", dependencies: ["SynodRESP", "SynodCore"]),
        .testTarget(
            name: "SynodKeyValueTests",
            dependencies: [
                "SynodKeyValue", "SynodCore", .product(name: "HashTreeCollections", package: "swift-collections"),
            ]
        ),
        .testTarget(
            name: "SynodCommandsTests",
            dependencies: ["SynodCommands", "SynodKeyValue", "SynodCore", "SynodPartitioning"]
        ),
        .testTarget(
            name: "SynodPeerProtocolTests",
            dependencies: [
                "SynodPeerProtocol", "SynodRaft", "SynodConsensus", "SynodCore", "SynodKeyValue", "SynodCommands",
            ]
        ),
        .testTarget(
            name: "SynodStorageTests",
            dependencies: ["SynodStorage", "SynodConsensus", "SynodCore"]
        ),
        .testTarget(
            name: "SynodPOSIXStorageTests",
            dependencies: ["SynodPOSIXStorage", "SynodStorage", "SynodConsensus", "SynodCore"]
        ),
        .testTarget(
            name: "SynodRuntimeTests",
            dependencies: ["SynodRuntime", "SynodConsensus", "SynodCore", "SynodKeyValue", "SynodPeerProtocol"]
        ),
        .testTarget(
            name: "SynodSimulationTests",
            dependencies: ["SynodSimulation", "SynodRaft", "SynodConsensus", "SynodCore", "SynodPartitioning"]
        ),
        .testTarget(
            name: "SynodReportsTests",
            dependencies: ["SynodReports", "SynodCore", "SynodBalancing", "SynodConsensus"]
        ),
        .testTarget(name: "ArchitectureTests"),
        .testTarget(
            name: "SynodFuzzTests",
            dependencies: [
                "SynodFuzzTargets", "SynodCore", "SynodRESP", "SynodKeyValue", "SynodPeerProtocol", "SynodStorage",
            ]
        ),
        .testTarget(
            name: "SynodCommandTests",
            dependencies: [
                "SynodTestSupport", "SynodPeerProtocol", "SynodRaft", "SynodConsensus", "SynodKeyValue", "SynodCore",
            ],
            exclude: ["Clients"]
        ),
        .testTarget(
            name: "SynodNodeTests",
            dependencies: [
                "SynodNode", "SynodCore", "SynodKeyValue", "SynodRaft", "SynodPeerProtocol", "SynodTestSupport",
                "SynodRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "RedisInteropTests",
            dependencies: ["SynodPartitioning", "SynodRESP", "SynodCommands", "SynodTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Release builds optimize across the project's own modules: the runtime is generic over its
// replica and state machine, and without this the node calls it unspecialized (a metadata lookup
// per call on the request path).
for target in package.targets where !target.name.hasPrefix("CSynod") {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]
}
