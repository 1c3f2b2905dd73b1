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
        .executableTarget(
            name: "BankWorkload",
            dependencies: [.product(name: "LockGraph", package: "LockGraph")],
            path: "Workload/BankWorkload"
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
