import LockGraphScenarios

// The "rwlock-upgrade" scenario; see Fixtures/Scenarios/Precision.swift for what it does and what it must report.
runScenarioAndExit(named: "rwlock-upgrade")
