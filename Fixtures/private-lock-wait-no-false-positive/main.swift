import LockGraphScenarios

// The "private-lock-wait-no-false-positive" scenario; see Fixtures/Scenarios/Precision.swift for what it does and what it must report.
runScenarioAndExit(named: "private-lock-wait-no-false-positive")
