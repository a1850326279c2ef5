// The chaos harness as a library: what `mcp-cluster chaos` runs, for scripted runs with a
// workload of your own (see examples/chaos/) and for checking a kept run's history again.
export { runChaos, type ChaosOptions } from './run.js'
export { formatReport, type ChaosReport, type FaultRecord } from './report.js'
export { checkHistory, DEFAULT_CLOCK_TOLERANCE_MS, type CheckOptions, type CheckResult } from './checker.js'
export { readRunHistory } from './run-files.js'
export { planSchedule, type PlannedFault, type ScheduleParams } from './schedule.js'
export { defaultWorkload, type TaskRequest, type Workload } from './load.js'
export { ProgressPrinter, progressLine, type Progress } from './progress.js'
export { parseDuration, parseFaults } from './options.js'
export { FAULT_KINDS, type ChaosEvent, type ClientEvent, type FaultEvent, type FaultKind } from './events.js'
