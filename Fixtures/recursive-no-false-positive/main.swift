import LockGraphScenarios

// The "recursive-no-false-positive" scenario; see Fixtures/Scenarios for what it does and what it must report.
runScenarioAndExit(named: "recursive-no-false-positive")
