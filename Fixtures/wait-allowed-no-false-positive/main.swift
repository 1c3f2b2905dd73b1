import LockGraphScenarios

// The "wait-allowed-no-false-positive" scenario; see Fixtures/Scenarios/Precision.swift for what it does and what it must report.
runScenarioAndExit(named: "wait-allowed-no-false-positive")
