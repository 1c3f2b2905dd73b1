import LockGraphScenarios

// The "handler-takes-held-lock" scenario; see Fixtures/Scenarios/Reentrancy.swift for what it does and what it must report.
runScenarioAndExit(named: "handler-takes-held-lock")
