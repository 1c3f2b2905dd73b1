import LockGraphScenarios

// The "queue-lock-inversion" scenario; see Fixtures/Scenarios/DispatchQueues.swift for what it does and what it must report.
runScenarioAndExit(named: "queue-lock-inversion")
