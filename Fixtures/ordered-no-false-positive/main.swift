import LockGraphScenarios

// The "ordered-no-false-positive" scenario; see Fixtures/Scenarios for what it does and what it must report.
runScenarioAndExit(named: "ordered-no-false-positive")
