import LockGraphScenarios

// The "thread-explosion" scenario; see Fixtures/Scenarios/Liveness.swift.
runScenarioAndExit(named: "thread-explosion")
