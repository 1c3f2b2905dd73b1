import LockGraphScenarios

// The "rwlock-readers-no-false-positive" scenario; see Fixtures/Scenarios/Precision.swift for what it does and what it must report.
runScenarioAndExit(named: "rwlock-readers-no-false-positive")
