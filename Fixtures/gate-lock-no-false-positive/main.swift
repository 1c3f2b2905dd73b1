import LockGraphScenarios

// The "gate-lock-no-false-positive" scenario; see Fixtures/Scenarios/Precision.swift for what it does and what it must report.
runScenarioAndExit(named: "gate-lock-no-false-positive")
