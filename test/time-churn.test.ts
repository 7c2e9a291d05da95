// Churn: 200 workers, each profiling itself at 1 kHz, created and terminated mid-profile (half
// of them in a synchronous busy loop) while the owner rotates 500 ms periods: no crash, and
// memory flat after GC.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

t.test('200 profiled workers created and terminated: no crash, memory flat', async (tt) => {
  const out = execFileSync(process.execPath, ['--expose-gc', path.join(here, 'time-fixtures', 'churn.mjs'), '200'],
    { encoding: 'utf8', timeout: 120000 });
  const r = JSON.parse(out.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7)) as {
    made: number; periods: number; mem: { label: string; rss: number; heapUsed: number }[];
  };
  tt.equal(r.made, 200, 'all 200 workers ran and were terminated; the process exited normally');
  tt.ok(r.periods >= 3, `${r.periods} periods were profiled meanwhile`);
  const [warm, half, full] = r.mem;
  const mb = (x: number): string => (x / 1e6).toFixed(1);
  tt.ok(full.rss - half.rss < 8e6, `rss after 100 workers ${mb(half.rss)} MB, after 200 ${mb(full.rss)} MB (growth < 8 MB)`);
  tt.ok(full.heapUsed < warm.heapUsed * 1.2 + 1e6, `heap used after warm-up ${mb(warm.heapUsed)} MB, after 200 ${mb(full.heapUsed)} MB`);
});
