// The LockGraphTesting module: Swift Testing and XCTest integration (see TestTrait.swift, XCTestIntegration.swift).
@_exported import LockGraph
