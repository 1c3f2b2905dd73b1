import LockGraphScenarios

// The "report-flood" scenario; see Fixtures/Scenarios/ReportFlood.swift.
runScenarioAndExit(named: "report-flood")
