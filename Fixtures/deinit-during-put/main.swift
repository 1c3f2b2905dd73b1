import LockGraphScenarios

// The "deinit-during-put" scenario; see Fixtures/Scenarios for what it does and what it must report.
runScenarioAndExit(named: "deinit-during-put")
