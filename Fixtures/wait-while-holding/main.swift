import LockGraphScenarios

// The "wait-while-holding" scenario; see Fixtures/Scenarios/Precision.swift for what it does and what it must report.
runScenarioAndExit(named: "wait-while-holding")
