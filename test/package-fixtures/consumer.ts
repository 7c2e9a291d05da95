// A user's TypeScript file: every entry point of the package, type-checked with tsc.
import { decodeProfile, ProfileBuilder, SettingsError, start, withLabels } from 'hotpath';
import type { Labels } from 'hotpath';
import { pprofHandler } from 'hotpath/http';
import 'hotpath/register';
import { fromSelfProfilingTrace } from 'hotpath/browser';
import http from 'node:http';

try {
  start({ period: 'soon' } as never);
} catch (e) {
  if (!(e instanceof SettingsError) || e.code !== 'HOTPATH_SETTINGS') throw e;
}
const profiler = start({ service: 'consumer', exporter: 'none' });
const labels: Labels = { route: '/' };
withLabels(labels, () => undefined);
http.createServer((req, res) => pprofHandler(req, res) || res.end('ok'));
const builder = await ProfileBuilder.create({ sampleTypes: [{ type: 'samples', unit: 'count' }] });
builder.addSample([{ name: 'leaf', file: 'app.ts', line: 3 }], [1]);
const names: string[] = decodeProfile(builder.encode()).function.map((f) => f.name);
const fromBrowser: unknown = fromSelfProfilingTrace;
await profiler.stop();
console.log(names, fromBrowser);
