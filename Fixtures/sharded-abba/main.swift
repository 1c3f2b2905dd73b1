import LockGraphScenarios

// The "sharded-abba" scenario; see Fixtures/Scenarios/Inversions.swift.
runScenarioAndExit(named: "sharded-abba")
