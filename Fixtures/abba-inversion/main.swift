import LockGraphScenarios

// The "abba-inversion" scenario; see Fixtures/Scenarios for what it does and what it must report.
runScenarioAndExit(named: "abba-inversion")
