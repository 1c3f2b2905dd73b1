import LockGraphScenarios

// The "single-thread-start" scenario; see Fixtures/Scenarios for what it does and what it must report.
runScenarioAndExit(named: "single-thread-start")
