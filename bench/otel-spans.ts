// What OpenTelemetry span context adds to hotpath's cost (issue 18): the node:http JSON service
// of overhead-http-inplace.ts, once traced with the SDK (lib/traced-server.ts: a root and a
// child span per request) and once not, each with hotpath switched on and off in place under
// one continuous autocannon load. In the traced service hotpath also keeps every sample's span
// (its hook when a callback starts, the slot the handler copies, the span labels); the difference of
// hotpath's extra CPU per request between the two services is what that costs.
//   node dist/bench/otel-spans.js [--quick]   (ROUNDS, PAIRS, WINDOW_MS override)
import { Figures, median, ratioCells, systemLine, writeSection } from './lib/common.js';
import { ROUNDS, onOffRatios, runOnce } from './overhead-http-inplace.js';
import type { Window } from './overhead-http-inplace.js';

const SERVICES = { traced: { TRACED: '1' }, plain: { TRACED: '0' } } as const;
type Service = keyof typeof SERVICES;

async function main(): Promise<void> {
  const system = systemLine();
  const figs = new Figures('otel-spans', system);
  const runs: Record<Service, Window[][]> = { traced: [], plain: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order: Service[] = r % 2 === 0 ? ['traced', 'plain'] : ['plain', 'traced'];
    for (const s of order) {
      runs[s].push(await runOnce('hotpath', SERVICES[s]));
      process.stderr.write(`otel-spans ${s} round ${r + 1}/${ROUNDS} done\n`);
    }
  }
  const rows: string[] = [];
  const extra: Record<Service, number> = { traced: 0, plain: 0 };
  const offCpu: Record<Service, number> = { traced: 0, plain: 0 };
  for (const s of ['traced', 'plain'] as const) {
    const ratios = runs[s].flatMap((ws) => onOffRatios(ws, 'cpuPerReqUs'));
    const diffs = runs[s].flatMap((ws) => onOffRatios(ws, 'cpuPerReqUs', true));
    offCpu[s] = median(runs[s].flatMap((ws) => ws.filter((w) => !w.on).map((w) => w.cpuPerReqUs)));
    figs.add(`${s}: hotpath on / off, server CPU per request`, ratios);
    const d = figs.add(`${s}: hotpath on - off, server µs per request`, diffs);
    extra[s] = d.median;
    rows.push(`| ${s === 'traced' ? 'traced (SDK, 2 spans a request)' : 'not traced'} | ${offCpu[s].toFixed(1)} | ${ratioCells(ratios)} | ` +
      `${d.median.toFixed(2)} (${d.q1.toFixed(2)} to ${d.q3.toFixed(2)}) | ${ratios.length} |`);
  }
  const added = extra.traced - extra.plain;
  writeSection('otel-spans', [
    '## OpenTelemetry span context: what it adds to hotpath\'s cost',
    '',
    system,
    '',
    'Method: overhead-http-inplace\'s service and windows (hotpath at 100 Hz switched on and off in place under one autocannon load, each on-window against the off-windows on either side), ' +
      `in two services: traced with the OpenTelemetry SDK (sdk-trace-base, the AsyncLocalStorage context manager, hotpath/otel's span processor, a batch processor that drops the spans; a root and a child span a request, awaits between them) and not traced; ${ROUNDS} rounds, the order of the two swapped every other round. ` +
      'In the traced service the off-windows are tracing alone, the on-windows tracing and hotpath, which then also keeps each sample\'s span (an async_hooks `before` hook when each callback starts, the slot its signal handler copies, the span labels).',
    '',
    '| service | CPU µs/request, hotpath off (median) | on / off CPU per request (median) | spread (IQR; min-max) | hotpath\'s extra µs/request (median, IQR) | windows |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `What span context adds: ${added.toFixed(2)} µs per request (hotpath's extra CPU in the traced service less in the other), ` +
      `${((100 * added) / offCpu.traced).toFixed(2)}% of the traced service's CPU per request (the issue's bound: 1%).`,
  ]);
  figs.save();
}

await main();
