import LockGraphScenarios

// The "blocking-in-task" scenario; see Fixtures/Scenarios/Liveness.swift.
runScenarioAndExit(named: "blocking-in-task")
