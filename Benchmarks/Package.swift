// swift-tools-version: 6.1
// LockGraph's benchmarks (package-benchmark). Kept out of the main package so `swift test`
// stays fast. Run: `cd Benchmarks && swift package --allow-writing-to-package-directory benchmark`.
import PackageDescription

let package = Package(
    name: "LockGraphBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "LockGraph", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Standalone workloads: plain executables, run by bank.sh, stress.sh, workload.sh or by
        // hand (see README.md here). BenchSupport holds what they share.
        .target(name: "BenchSupport", path: "Workload/BenchSupport"),
        .executableTarget(
            name: "BankWorkload",
            dependencies: ["BenchSupport", .product(name: "LockGraph", package: "LockGraph")],
            path: "Workload/BankWorkload"
        ),
        .executableTarget(
            name: "ReportCost",
            dependencies: ["BenchSupport", .product(name: "LockGraph", package: "LockGraph")],
            path: "Workload/ReportCost"
        ),
        .executableTarget(
            name: "HotPath",
            dependencies: [.product(name: "LockGraph", package: "LockGraph")],
            path: "Workload/HotPath"
        ),
        .executableTarget(
            name: "NestedLocks",
            dependencies: ["BenchSupport", .product(name: "LockGraph", package: "LockGraph")],
            path: "Workload/NestedLocks"
        ),
        .executableTarget(
            name: "EdgeMemory",
            dependencies: ["BenchSupport", .product(name: "LockGraph", package: "LockGraph")],
            path: "Workload/EdgeMemory"
        ),
        .executableTarget(
            name: "LockBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LockGraph", package: "LockGraph"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Benchmarks/LockBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
