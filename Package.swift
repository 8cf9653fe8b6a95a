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
        .executable(name: "par", targets: ["par"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The core library: threads, futures, async toolkit, generators, processes.
        .target(
            name: "Parallel",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                "CParallelShims",
            ],
            swiftSettings: strictSettings
        ),
        // C shims for the process pool: GNU extensions (prctl, pipe2, closefrom) Swift cannot see.
        .target(name: "CParallelShims"),
        // The command-line tool: `par demo`, `par bench`.
        .executableTarget(
            name: "par",
            dependencies: [
                "Parallel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        // Tasks shared by the process tests and their worker executable.
        .target(
            name: "ParallelTestTasks",
            dependencies: ["Parallel"],
            swiftSettings: strictSettings
        ),
        // The worker executable the process tests start.
        .executableTarget(
            name: "ParallelTestWorker",
            dependencies: ["Parallel", "ParallelTestTasks"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ParallelProcessTests",
            dependencies: ["Parallel", "ParallelTestTasks", "ParallelTestWorker"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ParallelTests",
            dependencies: ["Parallel"],
            swiftSettings: strictSettings
        ),
    ]
)
