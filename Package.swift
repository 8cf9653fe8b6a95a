// swift-tools-version: 6.2
import PackageDescription

/// Every target is built in the Swift 6 language mode with complete strict concurrency checking.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Parallel",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Parallel", targets: ["Parallel"]),
        .library(name: "ParallelHTTP", targets: ["ParallelHTTP"]),
        .library(name: "ParallelTestServer", targets: ["ParallelTestServer"]),
        .executable(name: "par", targets: ["par"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Already in the graph through the two above; named so ParallelHTTP and ParallelTestServer may import them.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        // 1.16.2: LogEvent, which the tests' recording LogHandler implements.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        // Tests only: property-based checks over generated inputs (ParallelHTTP's URL validation, the codec).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // Already in the graph through AsyncHTTPClient; named so ParallelHTTP can tell a decompression bomb.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.26.0"),
        // Observability of ParallelHTTP: request metrics and a client span per request.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: [
        // The core library: threads, futures, async toolkit, generators, processes.
        .target(
            name: "Parallel",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                // A pool runs as a Service in a ServiceGroup; it brings swift-log, no NIO.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // A pool logs what happens to its workers to the application's logger, counts it in
                // the application's metrics, and carries the caller's trace into its workers.
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "CParallelShims",
            ],
            swiftSettings: strictSettings
        ),
        // C shims for the process pool: GNU extensions (prctl, pipe2, closefrom) Swift cannot see.
        .target(name: "CParallelShims"),
        // aiohttp for Swift: sessions, retries, fetchAll, on AsyncHTTPClient (kept out of the core: NIO).
        .target(
            name: "ParallelHTTP",
            dependencies: [
                "Parallel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSettings
        ),
        // An httpbin-style HTTP server on Hummingbird for the demo, tests and benchmarks.
        .target(
            name: "ParallelTestServer",
            dependencies: [
                "Parallel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // The command-line tool: `par demo`, `par bench`.
        .executableTarget(
            name: "par",
            dependencies: [
                "Parallel",
                "ParallelHTTP",
                "ParallelTestServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `par bench http` measures ParallelHTTP with a real log handler and metrics backend,
                // and AsyncHTTPClient alone as the floor under it.
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Tasks shared by the process tests and their worker executable.
        .target(
            name: "ParallelTestTasks",
            dependencies: [
                "Parallel", "CParallelShims", .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSettings
        ),
        // The worker executable the process tests start.
        .executableTarget(
            name: "ParallelTestWorker",
            dependencies: [
                "Parallel", "ParallelTestTasks",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ParallelProcessTests",
            dependencies: [
                "Parallel", "ParallelTestTasks", "ParallelTestWorker", "CParallelShims",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ParallelTests",
            dependencies: ["Parallel", "ParallelTestTasks", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // End-to-end: runs the built `par` (every demo, `par bench --quick --json`).
        .testTarget(
            name: "ParTests",
            dependencies: ["par", "Parallel"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ParallelHTTPTests",
            dependencies: [
                "Parallel", "ParallelHTTP", "ParallelTestServer", "ParallelTestTasks",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSettings
        ),
        // Every example of README.md and of the DocC articles, verbatim, in programs as users write them
        // (main-actor `main`, an actor method), so that an example that does not compile fails the build.
        // Executables of this package only: no product exposes them. scripts/check-examples checks that
        // every documented example is here.
        .executableTarget(
            name: "ReadmeExamples",
            dependencies: [
                "Parallel", "ParallelHTTP", "ParallelTestServer",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Examples/ReadmeExamples",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "DocCExamples",
            dependencies: ["Parallel", "ParallelHTTP"],
            path: "Examples/DocCExamples",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "GettingStartedApp",
            dependencies: ["Parallel"],
            path: "Examples/GettingStartedApp",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FromPythonApp",
            dependencies: ["Parallel"],
            path: "Examples/FromPythonApp",
            swiftSettings: strictSettings
        ),
    ]
)
