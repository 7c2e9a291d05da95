// Dies of an uncaught exception (or an unhandled rejection) after some caught ones; the exit
// handler writes the last profile synchronously, as hotpath's own exit handler does.
//   node fatal.mjs <uncaught|rejection> <out.pb.gz>
import { writeFileSync } from 'node:fs';
import { createExceptionCollector } from '../../dist/src/collect/exceptions-collector.js';
import { resolveSettings } from '../../dist/src/common/settings.js';

const [mode, out] = process.argv.slice(2);
const collector = createExceptionCollector(resolveSettings({ profiles: 'exceptions', exceptionSampling: 1 }, {}, {}));
const start = Date.now();
process.on('exit', () => {
  const bytes = collector.stopSync({ timeNanos: BigInt(start) * 1000000n, durationNanos: (Date.now() - start) * 1e6 }, [], 2000);
  writeFileSync(out, bytes ?? new Uint8Array(0));
});
function caughtOnes() {
  for (let i = 0; i < 5; i++) { try { throw new Error('caught'); } catch {} }
}
function explode() {
  throw new RangeError('boom');
}
function rejectIt() {
  return Promise.reject(new TypeError('nobody handles this'));
}
caughtOnes();
setTimeout(() => (mode === 'rejection' ? rejectIt() : explode()), 20);
