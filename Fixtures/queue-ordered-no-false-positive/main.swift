import LockGraphScenarios

// The "queue-ordered-no-false-positive" scenario; see Fixtures/Scenarios/DispatchQueues.swift for what it does and what it must report.
runScenarioAndExit(named: "queue-ordered-no-false-positive")
