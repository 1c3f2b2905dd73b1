import LockGraphScenarios

// The "dump-target" scenario; see Fixtures/Scenarios/DumpTarget.swift.
runScenarioAndExit(named: "dump-target")
