// The exporters' public surface: every exporter, the fan-out and the self-report helpers.
export type { Exporter, ExporterStats, ProfileExport } from './types.js';
export { MultiExporter, createExporter, diffStats, exportComment } from './exporters.js';
export { FileExporter, profileFileName } from './file.js';
export { PyroscopeExporter, pyroscopeName } from './pyroscope.js';
export { DatadogExporter, attachmentName } from './datadog.js';
export { HttpExporter, fullJitter, parseRetryAfter } from './http.js';
export { buildMultipart } from './multipart.js';
