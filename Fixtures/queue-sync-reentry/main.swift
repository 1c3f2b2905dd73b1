import LockGraphScenarios

// The "queue-sync-reentry" scenario; see Fixtures/Scenarios/DispatchQueues.swift for what it does and what it must report.
runScenarioAndExit(named: "queue-sync-reentry")
