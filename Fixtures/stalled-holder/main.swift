import LockGraphScenarios

// The "stalled-holder" scenario; see Fixtures/Scenarios/Watchdog.swift.
runScenarioAndExit(named: "stalled-holder")
