import LockGraphScenarios

runScenarioAndExit(named: "fork-with-locks-held")
