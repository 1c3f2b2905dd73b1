// swift-tools-version: 6.1
// A sample package whose tests use LockGraphTesting. LockGraph's own test suite runs it as a
// subprocess: the full run must fail with the inversion report, the clean tests must pass.
import PackageDescription

let package = Package(
    name: "TestingSample",
    dependencies: [.package(name: "LockGraph", path: "../..")],
    targets: [
        .target(name: "Bank", dependencies: [.product(name: "LockGraph", package: "LockGraph")]),
        .testTarget(name: "BankTests", dependencies: ["Bank", .product(name: "LockGraphTesting", package: "LockGraph")]),
    ]
)
