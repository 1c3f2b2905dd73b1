import LockGraphScenarios

// The "class-inversion" scenario; see Fixtures/Scenarios/Precision.swift for what it does and what it must report.
runScenarioAndExit(named: "class-inversion")
