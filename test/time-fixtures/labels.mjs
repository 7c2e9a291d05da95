// Request handlers that await between CPU bursts, one label per request kind, many in flight
// at once; prints, per kind, how many of its burst samples carry its label.
import { setTimeout as sleep } from 'node:timers/promises';
import { startTimeProfiler } from '../../dist/src/collect/time-profiler.js';
import { withLabels, setLabels } from '../../dist/src/collect/labels.js';
import { decodeProfile } from '../../dist/src/profile/index.js';
import { report } from './summarize.mjs';

const profiler = startTimeProfiler({ intervalMicros: 1000, periodMs: 600000 });
function spin(ms) { const e = performance.now() + ms; let x = 0; while (performance.now() < e) x++; return x; }
const burn = { users: function burnUsers(ms) { return spin(ms); }, orders: function burnOrders(ms) { return spin(ms); } };

async function handle(kind, i) {
  // Half the handlers use withLabels, half set labels on their own async context.
  const body = async () => {
    for (let k = 0; k < 4; k++) {
      burn[kind](2);
      if (k % 2 === 0) await sleep(1);
      else await new Promise((r) => setImmediate(r));
      await Promise.resolve();
    }
  };
  if (i % 2 === 0) return withLabels({ route: kind }, body);
  return (async () => { setLabels({ route: kind }); await body(); })();
}

const end = Date.now() + 3000;
let i = 0;
while (Date.now() < end) {
  await Promise.all([handle('users', i++), handle('orders', i++), handle('users', i++), handle('orders', i++)]);
}
const bytes = await profiler.flush();
await profiler.stop();
const p = decodeProfile(bytes);
const fn = new Map(p.function.map((f) => [f.id, f.name]));
const loc = new Map(p.location.map((l) => [l.id, fn.get(l.line[0].functionId)]));
const counts = {};
for (const s of p.sample) {
  const names = s.locationId.map((id) => loc.get(id));
  const kind = names.includes('burnUsers') ? 'users' : names.includes('burnOrders') ? 'orders' : null;
  if (!kind || s.value[2] === 0) continue;
  const route = s.label.find((l) => l.key === 'route')?.str ?? '(none)';
  counts[kind] ??= {};
  counts[kind][route] = (counts[kind][route] ?? 0) + s.value[0];
}
report({ counts, handlers: i });
