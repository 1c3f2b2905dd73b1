import LockGraphScenarios

// The "producer-consumer" scenario; see Fixtures/Scenarios for what it does and what it must report.
runScenarioAndExit(named: "producer-consumer")
