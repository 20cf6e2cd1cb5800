// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "kafka-web-proxy",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ingestd", targets: ["ingestd"]),
        .executable(name: "sio-conformance", targets: ["sio-conformance"]),
        .executable(name: "kafka-demo-producer", targets: ["kafka-demo-producer"]),
        .executable(name: "sio-bench", targets: ["sio-bench"]),
        .executable(name: "realtimed", targets: ["realtimed"]),
        .executable(name: "exportd", targets: ["exportd"]),
        .library(name: "SocketIO", targets: ["SocketIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
    ],
    targets: [
        // MARK: C libraries (Debian packages, found by pkg-config)
        .systemLibrary(
            name: "CRdkafka", path: "Shared/CRdkafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(
            name: "CAvro", path: "Shared/CAvro", pkgConfig: "avro-c",
            providers: [.apt(["libavro-dev"])]),
        .systemLibrary(
            name: "CZeroMQ", path: "Shared/CZeroMQ", pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Shared/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // MARK: Shared libraries
        .target(
            name: "Kafka", dependencies: ["CRdkafka", .product(name: "Logging", package: "swift-log")],
            path: "Shared/Kafka"),
        .target(name: "JSON", path: "Shared/JSON"),
        .target(name: "RecordFilter", dependencies: ["JSON"], path: "Shared/RecordFilter"),
        .target(name: "Visibility", dependencies: [
                    "JSON", "ServiceSupport", .product(name: "Crypto", package: "swift-crypto"),
                    .product(name: "JWTKit", package: "jwt-kit"),
                ], path: "Shared/Visibility"),
        .target(name: "Avro", dependencies: ["CAvro", "JSON"], path: "Shared/Avro"),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"], path: "Shared/ZeroMQ"),
        .target(
            name: "RecordDecoding",
            dependencies: ["Avro", "JSON", .product(name: "Logging", package: "swift-log")],
            path: "Shared/RecordDecoding"),
        .target(
            name: "Bus",
            dependencies: [
                "ZeroMQ", "JSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Bus"),
        .target(
            name: "ServiceSupport",
            dependencies: [
                "Bus", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/ServiceSupport"),
        .target(
            name: "ConnectionGuard",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            path: "Shared/ConnectionGuard"),
        .target(
            name: "SocketIO",
            dependencies: [
                "ConnectionGuard", "JSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/SocketIO"),

        // MARK: Services
        .target(
            name: "IngestService",
            dependencies: [
                "ConnectionGuard",
                "ServiceSupport",
                "Kafka", "RecordDecoding", "Bus", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Services/ingestd/IngestService"),
        .executableTarget(
            name: "ingestd", dependencies: ["IngestService", "ServiceSupport"], path: "Services/ingestd/Main"),
        .target(
            name: "RealtimeService",
            dependencies: [.product(name: "NIOHTTP1", package: "swift-nio"), "ZeroMQ", 
                "ServiceSupport",
                "SocketIO", "Bus", "ConnectionGuard", "JSON", "RecordFilter", "Visibility",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/realtimed/RealtimeService"),
        .executableTarget(
            name: "realtimed", dependencies: ["RealtimeService", "ServiceSupport"], path: "Services/realtimed/Main"),
        .target(
            name: "ExportService",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), 
                "ConnectionGuard", "ServiceSupport",
                "Bus", "ZeroMQ", "CZlib", "JSON", "RecordFilter", "Visibility",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Services/exportd/ExportService"),
        .executableTarget(
            name: "exportd", dependencies: ["ExportService", "ServiceSupport"], path: "Services/exportd/Main"),
        .target(name: "DemoData", dependencies: ["Avro", "JSON"], path: "Services/demo-producer/DemoData"),
        .executableTarget(
            name: "kafka-demo-producer",
            dependencies: ["JSON", 
                "Kafka", "Avro", "DemoData",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Services/demo-producer", exclude: ["DemoData"]),
        .executableTarget(
            name: "sio-conformance",
            dependencies: [
                "SocketIO",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/sio-conformance"),
        .executableTarget(
            name: "sio-bench",
            dependencies: [
                "SocketIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/sio-bench"),

        // MARK: Tests
        .target(name: "TestSupport", dependencies: [
                    "Avro", "Kafka", "Bus", "ZeroMQ",
                    .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
                ], path: "Tests/TestSupport"),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], path: "Tests/JSONTests"),
        .testTarget(name: "RecordFilterTests", dependencies: ["RecordFilter", "JSON", "TestSupport"], path: "Tests/RecordFilterTests"),
        .testTarget(
            name: "JSONAgreementTests",
            dependencies: ["JSON", "RecordDecoding", "RealtimeService", "ExportService", "SocketIO", "Bus", "TestSupport"],
            path: "Tests/JSONAgreementTests"),
        .testTarget(name: "AvroTests", dependencies: ["Avro", "JSON", "TestSupport"], path: "Tests/AvroTests"),
        .testTarget(
            name: "RecordDecodingTests", dependencies: ["Avro", "JSON", "RecordDecoding", "TestSupport"],
            path: "Tests/RecordDecodingTests"),
        .testTarget(
            name: "BusTests",
            dependencies: [.product(name: "Logging", package: "swift-log"),
                "Bus", "ZeroMQ", "TestSupport", "ServiceSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/BusTests"),
        .testTarget(
            name: "KafkaTests", dependencies: [.product(name: "Logging", package: "swift-log"), "Kafka", "TestSupport"], path: "Tests/KafkaTests"),
        .testTarget(
            name: "IngestServiceTests", dependencies: ["Avro", "Kafka", "ZeroMQ", "IngestService", "TestSupport", "Bus"],
            path: "Tests/IngestServiceTests"),
        .testTarget(
            name: "SocketIOTests",
            dependencies: [.product(name: "Logging", package: "swift-log"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), 
                "SocketIO", "ConnectionGuard", "JSON", "TestSupport", .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Tests/SocketIOTests", exclude: ["Clients"]),
        .testTarget(
            name: "ConnectionGuardTests",
            dependencies: [.product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "NIOCore", package: "swift-nio"), 
                "ConnectionGuard", .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/ConnectionGuardTests"),
        .testTarget(
            name: "RealtimeServiceTests",
            dependencies: [
                "RealtimeService", "TestSupport", "Bus", "SocketIO", "Avro", "Kafka", "ZeroMQ", "Visibility",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/RealtimeServiceTests", exclude: ["Clients"]),
        .testTarget(
            name: "DemoProducerTests",
            dependencies: [
                "DemoData", "Avro", "TestSupport", "SocketIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/DemoProducerTests"),
        .testTarget(
            name: "ExportServiceTests", dependencies: ["ServiceSupport", "Kafka", .product(name: "Logging", package: "swift-log"), "ExportService", "TestSupport", "Bus", "RecordFilter", "Visibility"],
            path: "Tests/ExportServiceTests"),
    ],
    swiftLanguageModes: [.v6]
)
