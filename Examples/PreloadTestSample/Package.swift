// swift-tools-version: 6.1
// A sample package for `lockgraph test`: Ledger and LedgerTests know nothing of LockGraph (their
// NSLocks are seen through the interposer only); LedgerCheckedTests uses LockGraphTesting, so
// an interposed violation fails its test. LockGraph's own test suite runs it as a subprocess.
import PackageDescription

let package = Package(
    name: "PreloadTestSample",
    dependencies: [.package(name: "LockGraph", path: "../..")],
    targets: [
        .target(name: "Ledger"),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger"]),
        .testTarget(name: "LedgerCheckedTests", dependencies: [.product(name: "LockGraphTesting", package: "LockGraph")]),
    ]
)
