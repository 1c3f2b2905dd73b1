import LockGraphScenarios

// The "wrapper-sites" scenario; see Fixtures/Scenarios/Wrappers.swift for what it does and what it must report.
runScenarioAndExit(named: "wrapper-sites")
