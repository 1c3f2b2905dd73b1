import LockGraphScenarios

// The "semaphore-resource-cycle" scenario; see Fixtures/Scenarios/DispatchQueues.swift for what it does and what it must report.
runScenarioAndExit(named: "semaphore-resource-cycle")
