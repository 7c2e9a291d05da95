export * from './profile/index.js';
export { start, current } from './profiler.js';
export type { Profiler, StartOptions } from './profiler.js';
export { withLabels, setLabels, getLabels } from './collect/labels.js';
export type { Labels, LabelValue } from './collect/labels.js';
export { SettingsError } from './common/settings.js';
export { trackLock, nameAtomicsLock } from './collect/contention-collector.js';
