import LockGraphScenarios

// The "rwlock-write-inversion" scenario; see Fixtures/Scenarios/Precision.swift for what it does and what it must report.
runScenarioAndExit(named: "rwlock-write-inversion")
