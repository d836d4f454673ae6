// Simulation of scaling policies under the PR cadence (`augur simulate`). See replay.ts.
export { buildSchedule, expandSchedule, DEFAULT_MAX_WINDOWS, type Schedule, type ScheduleWindow } from '../recommend/windows.js';
export { hpaReplicas, DEFAULT_HPA, type HpaOptions } from './hpa.js';
export * from './policies.js';
export * from './replay.js';
export { simulateFiles, traceFiles, type SimReport } from './run.js';
export { renderJson, renderMarkdown } from './report.js';
export { loadTraceSeries, nativeStepSeconds, toSeries } from './trace.js';
