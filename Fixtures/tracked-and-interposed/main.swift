import LockGraphScenarios

// The "tracked-and-interposed" scenario; see Fixtures/Scenarios/Interposed.swift. Run under
// `lockgraph run` by the tests.
runScenarioAndExit(named: "tracked-and-interposed")
