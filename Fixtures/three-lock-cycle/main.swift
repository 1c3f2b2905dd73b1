import LockGraphScenarios

// The "three-lock-cycle" scenario; see Fixtures/Scenarios for what it does and what it must report.
runScenarioAndExit(named: "three-lock-cycle")
