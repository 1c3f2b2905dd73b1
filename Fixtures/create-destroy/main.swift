import LockGraphScenarios

// The "create-destroy" scenario; see Fixtures/Scenarios for what it does and what it must report.
runScenarioAndExit(named: "create-destroy")
