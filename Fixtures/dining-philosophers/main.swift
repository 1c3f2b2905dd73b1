import LockGraphScenarios

// The "dining-philosophers" scenario; see Fixtures/Scenarios/Watchdog.swift.
runScenarioAndExit(named: "dining-philosophers")
