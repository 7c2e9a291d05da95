export * from './profile/index.js';
export { start, current } from './profiler.js';
export type { Profiler, StartOptions } from './profiler.js';
export { withLabels, setLabels, getLabels } from './labels.js';
export type { Labels, LabelValue } from './labels.js';
export { SettingsError } from './settings.js';
export { trackLock, nameAtomicsLock } from './contention/collector.js';
