// Errors thrown and caught from two sites at a known 3:1 ratio, spread over ~1 s of timers.
//   node rates.mjs <exceptionMean> <throwsPerSiteB>
import { createExceptionCollector } from '../../dist/src/collect/exceptions-collector.js';
import { resolveSettings } from '../../dist/src/common/settings.js';
import { samplesOf, periodNow } from '../contention-fixtures/events-summary.mjs';

const [mean = '100', perB = '10000'] = process.argv.slice(2);
const collector = createExceptionCollector(resolveSettings({ profiles: 'exceptions', exceptionSampling: Number(mean) }, {}, {}));
const start = Date.now();

class ValidationError extends Error {}

function parseThing(i) {
  if (i >= 0) throw new ValidationError('bad thing ' + i);
}
function lookupUser(i) {
  if (i >= 0) throw new TypeError('no user ' + i);
}

const truth = { siteA: 0, siteB: 0 };
const rounds = 100;
const b = Number(perB) / rounds;
for (let r = 0; r < rounds; r++) {
  await new Promise((res) => setTimeout(res, 5));
  for (let i = 0; i < b; i++) {
    for (let k = 0; k < 3; k++) {
      try { parseThing(i); } catch { truth.siteA++; }
    }
    try { lookupUser(i); } catch { truth.siteB++; }
  }
}
const bytes = await collector.stop(periodNow(start), []);
console.log('RESULT ' + JSON.stringify({ truth, profile: samplesOf(bytes) }));
