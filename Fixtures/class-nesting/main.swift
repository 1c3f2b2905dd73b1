import LockGraphScenarios

// The "class-nesting" scenario; see Fixtures/Scenarios/Precision.swift for what it does and what it must report.
runScenarioAndExit(named: "class-nesting")
