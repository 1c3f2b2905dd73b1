import LockGraphScenarios

// The "real-abba-deadlock" scenario; see Fixtures/Scenarios/Watchdog.swift.
runScenarioAndExit(named: "real-abba-deadlock")
