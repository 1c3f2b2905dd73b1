// swift-tools-version: 6.1
import PackageDescription

/// One small executable per bug pattern (and per correct pattern that must not be reported).
/// Each lives in `Fixtures/<name>/main.swift` and calls its scenario in `LockGraphScenarios`,
/// which `lockgraph demo` shares, so the demo works from a fresh clone with `swift run`.
let fixtureNames = [
    "abba-inversion",
    "three-lock-cycle",
    "reentrant-mutex",
    "deinit-during-put",
    "trylock-no-false-positive",
    "recursive-no-false-positive",
    "ordered-no-false-positive",
    "producer-consumer",
    "create-destroy",
    "dump-target",
    "real-abba-deadlock",
    "dining-philosophers",
    "stalled-holder",
    "loop-lag",
    "blocking-in-task",
    "thread-explosion",
    "sharded-abba",
    "fork-with-locks-held",
    "single-thread-start",
    "rwlock-write-inversion",
    "rwlock-readers-no-false-positive",
    "rwlock-upgrade",
    "gate-lock-no-false-positive",
    "gate-lock-broken",
    "class-inversion",
    "class-nesting",
    "wrapper-sites",
    "wait-while-holding",
    "wait-allowed-no-false-positive",
    "private-lock-wait-no-false-positive",
    "handler-takes-held-lock",
    "queue-lock-inversion",
    "queue-ordered-no-false-positive",
    "queue-sync-reentry",
    "queue-lock-deadlock",
    "semaphore-resource-cycle",
    "report-flood",
    "tracked-and-interposed",
]

let strictSwift: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "LockGraph",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "LockGraph", targets: ["LockGraph"]),
        .library(name: "LockGraphTesting", targets: ["LockGraphTesting"]),
        .library(name: "LockGraphLogging", targets: ["LockGraphLogging"]),
        .library(name: "LockGraphMetrics", targets: ["LockGraphMetrics"]),
        .executable(name: "lockgraph", targets: ["lockgraph"]),
        // The LD_PRELOAD interposer `lockgraph run` loads into unmodified programs.
        .library(name: "LockGraphPreload", type: .dynamic, targets: ["CLockGraphPreload"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // `swift package generate-documentation` (DocC catalogs in Sources/*/*.docc; .ci/run builds them).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CUnwind",
            pkgConfig: "libunwind",
            providers: [.apt(["libunwind-dev"])]
        ),
        // The hot path's thread-local word and the frame-pointer call-site walk (C: Swift has no
        // thread-local storage of its own and no access to frame addresses).
        .target(name: "CLockGraphSupport"),
        .target(
            name: "LockGraph",
            dependencies: ["CUnwind", "CLockGraphSupport"],
            swiftSettings: strictSwift
        ),
        // Defines the pthread lock API over the real one and calls LockGraph's hooks
        // (Sources/LockGraph/Interposition); linked with LockGraph into LockGraphPreload.
        .target(name: "CLockGraphPreload", dependencies: ["LockGraph", "CLockGraphSupport"]),
        .target(
            name: "LockGraphTesting",
            dependencies: ["LockGraph"],
            swiftSettings: strictSwift
        ),
        .target(
            name: "LockGraphLogging",
            dependencies: ["LockGraph", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        .target(
            name: "LockGraphMetrics",
            dependencies: ["LockGraph", .product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: strictSwift
        ),
        .target(
            name: "LockGraphScenarios",
            dependencies: ["LockGraph"],
            path: "Fixtures/Scenarios",
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "lockgraph",
            dependencies: [
                "LockGraph",
                "LockGraphScenarios",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "LockGraphTests",
            dependencies: ["LockGraph"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "LockGraphIntegrationTests",
            dependencies: [
                "LockGraph", "LockGraphLogging", "LockGraphMetrics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "LockGraphTestingTests",
            dependencies: ["LockGraph", "LockGraphTesting"],
            swiftSettings: strictSwift
        ),
        // Knows nothing of LockGraph: run under `lockgraph run` by the tests (interposed locks).
        .executableTarget(name: "preload-fixture", path: "Fixtures/preload-fixture", swiftSettings: strictSwift),
        .executableTarget(name: "preload-clock-fixture", path: "Fixtures/preload-clock-fixture", swiftSettings: strictSwift),
    ] + fixtureNames.map { name in
        .executableTarget(
            name: name,
            dependencies: ["LockGraphScenarios"],
            path: "Fixtures/\(name)",
            swiftSettings: strictSwift
        )
    }
)
