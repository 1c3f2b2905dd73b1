import LockGraphScenarios

// The "loop-lag" scenario; see Fixtures/Scenarios/Liveness.swift.
runScenarioAndExit(named: "loop-lag")
