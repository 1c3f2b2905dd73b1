import LockGraphScenarios

// The "trylock-no-false-positive" scenario; see Fixtures/Scenarios for what it does and what it must report.
runScenarioAndExit(named: "trylock-no-false-positive")
