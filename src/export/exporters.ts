// Exporters from settings, and a fan-out that sends each period to all of them.
import { createRequire } from 'node:module';
import os from 'node:os';
import type { Settings } from '../common/settings.js';
import { FileExporter } from './file.js';
import type { HttpExporterOptions } from './http.js';
import type { OtlpCodec } from './otlp.js';
import type { Exporter, ExporterStats, ProfileExport, Relabeler } from './types.js';

const require = createRequire(import.meta.url);

/** Sends every profile to several exporters; its stats are the sums. */
export class MultiExporter implements Exporter {
  readonly name: string;
  constructor(readonly exporters: readonly Exporter[]) {
    this.name = exporters.map((e) => e.name).join('+') || 'none';
  }
  export(profile: ProfileExport): Promise<void> {
    return this.exportPeriod([profile]);
  }
  exportPeriod(profiles: readonly ProfileExport[]): Promise<void> {
    return Promise.all(this.exporters.map((e) => e.exportPeriod(profiles))).then(() => undefined);
  }
  flush(timeoutMs?: number): Promise<boolean> {
    return Promise.all(this.exporters.map((e) => e.flush(timeoutMs))).then((r) => r.every(Boolean));
  }
  close(timeoutMs?: number): Promise<void> {
    return Promise.all(this.exporters.map((e) => e.close(timeoutMs))).then(() => undefined);
  }
  exportSync(profiles: readonly ProfileExport[]): void {
    for (const e of this.exporters) e.exportSync(profiles);
  }
  stats(): ExporterStats {
    const sum: ExporterStats = { exported: 0, failed: 0, dropped: 0, retries: 0, queued: 0 };
    for (const e of this.exporters) {
      const s = e.stats();
      sum.exported += s.exported;
      sum.failed += s.failed;
      sum.dropped += s.dropped;
      sum.retries += s.retries;
      sum.queued += s.queued;
      if (s.rejected !== undefined) sum.rejected = (sum.rejected ?? 0) + s.rejected;
      if (s.lastError) sum.lastError = `${e.name}: ${s.lastError}`;
    }
    return sum;
  }
  statsByExporter(): Record<string, ExporterStats> {
    return Object.fromEntries(this.exporters.map((e) => [e.name, e.stats()]));
  }
}

/** Rewrites of finished profiles that run in the aggregation worker (src/transport/convert-client.ts). */
export interface Converters {
  otlpCodec(): OtlpCodec;
  relabeler(): Relabeler;
}

/**
 * The exporters the settings ask for, behind one MultiExporter (empty for `none`). An HTTP
 * exporter's code (and node:http's) loads only when the settings ask for it (require(esm)).
 */
export function createExporter(settings: Settings, http: HttpExporterOptions = {}, converters?: Converters): MultiExporter {
  const list: Exporter[] = [];
  const common = { timeoutMs: settings.exportTimeoutMs, ...http };
  for (const kind of settings.exporters) {
    if (kind === 'file') {
      list.push(new FileExporter({ dir: settings.outDir, service: settings.service }));
    } else if (kind === 'pyroscope') {
      const { PyroscopeExporter } = require('./pyroscope.js') as typeof import('./pyroscope.js');
      list.push(new PyroscopeExporter({
        ...common,
        url: settings.pyroscopeUrl!,
        service: settings.service,
        tags: settings.tags,
        ...(settings.auth.token ? { token: settings.auth.token } : {}),
        ...(settings.auth.basic ? { basic: settings.auth.basic } : {}),
        ...(settings.auth.tenantId ? { tenantId: settings.auth.tenantId } : {}),
        sampleRateHz: 1000 / settings.samplingIntervalMs,
        ...(converters ? { relabel: converters.relabeler() } : {}),
      }));
    } else if (kind === 'datadog') {
      const { DatadogExporter } = require('./datadog.js') as typeof import('./datadog.js');
      list.push(new DatadogExporter({
        ...common,
        url: settings.datadogUrl,
        service: settings.service,
        tags: settings.tags,
        ...(settings.auth.datadogApiKey ? { apiKey: settings.auth.datadogApiKey } : {}),
        ...(converters ? { relabel: converters.relabeler() } : {}),
      }));
    } else if (kind === 'otlp') {
      if (!converters) throw new Error('hotpath: this should not happen: the otlp exporter was asked for without its codec');
      const { OtlpExporter } = require('./otlp.js') as typeof import('./otlp.js');
      list.push(new OtlpExporter({
        ...common,
        url: settings.otlpUrl,
        headers: settings.otlpHeaders,
        resource: { ...processResource(), ...settings.otlpResource },
        codec: converters.otlpCodec(),
      }));
    }
  }
  return new MultiExporter(list);
}

/** The OpenTelemetry resource attributes of this process (semantic conventions' process.* and host.name). */
function processResource(): Record<string, string | number> {
  return {
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'host.name': os.hostname(),
  };
}

/** What changed between two stats() readings (for "since the last profile" in the self-report). */
export function diffStats(before: ExporterStats, after: ExporterStats): ExporterStats {
  const d: ExporterStats = {
    exported: after.exported - before.exported,
    failed: after.failed - before.failed,
    dropped: after.dropped - before.dropped,
    retries: after.retries - before.retries,
    queued: after.queued,
  };
  if (after.rejected !== undefined) d.rejected = after.rejected - (before.rejected ?? 0);
  if (after.lastError !== undefined && after.lastError !== before.lastError) d.lastError = after.lastError;
  return d;
}

/**
 * The self-report line for a profile's comments, e.g.
 * `hotpath: export since last profile: 2 exported, 1 failed, 0 dropped, 3 retries, 0 queued; last error: ...`.
 * Credentials never reach it: lastError is redacted where it is made.
 */
export function exportComment(delta: ExporterStats): string {
  let line = `hotpath: export since last profile: ${delta.exported} exported, ${delta.failed} failed, ` +
    `${delta.dropped} dropped, ${delta.retries} retries, ${delta.queued} queued`;
  if (delta.rejected) line += `, ${delta.rejected} rejected by the collector`;
  if (delta.lastError) line += `; last error: ${delta.lastError}`;
  return line;
}
