// Workers that trace with OpenTelemetry, terminated in the middle of a span while the time
// profiler samples them at 1 kHz (test/fixtures/time/otel-churn.mjs): the trace-context slot's
// lifetime ends with the thread's (the handler stops reading it before its memory goes), the
// process ends normally, and the workers' samples carry their spans.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

t.test('60 traced workers terminated mid-span', async (t) => {
  const out = execFileSync(process.execPath, [path.join(here, '..', 'fixtures', 'time', 'otel-churn.mjs'), '60'],
    { encoding: 'utf8', timeout: 120_000 });
  const r = JSON.parse(out.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7)) as {
    made: number; samples: number; workersWithSpans: number;
  };
  t.equal(r.made, 60, 'all 60 workers ran and were terminated; the process exited normally');
  t.ok(r.samples > 100, `${r.samples} worker samples`);
  // Each worker runs spans for 20-100 ms at 1 kHz: all but a few must show one.
  t.ok(r.workersWithSpans >= 50, `${r.workersWithSpans} of 60 workers have samples with their span`);
});
