import LockGraphScenarios

// The "gate-lock-broken" scenario; see Fixtures/Scenarios/Precision.swift for what it does and what it must report.
runScenarioAndExit(named: "gate-lock-broken")
