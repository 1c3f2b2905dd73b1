import LockGraphScenarios

// The "reentrant-mutex" scenario; see Fixtures/Scenarios for what it does and what it must report.
runScenarioAndExit(named: "reentrant-mutex")
