// Every kind labels a thread the same way on every Node major: a named worker's samples in the
// time, heap and exception profiles all carry its thread id and its name (on Node 20, which
// has no worker_threads.threadName, hotpath's Worker wrapper passes the name).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProfile } from '../../dist/src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REGISTER = path.join(here, '..', '..', 'dist', 'src', 'register.js');

t.test('a named worker has its name in every kind', async (tt) => {
  const out = mkdtempSync(path.join(tmpdir(), 'hotpath-names-'));
  const { NODE_OPTIONS: _tap, ...env } = process.env;
  const stdout = execFileSync(process.execPath, ['--import', REGISTER, path.join(here, '..', 'fixtures', 'threads', 'named-worker.mjs')], {
    encoding: 'utf8', timeout: 60000,
    env: { ...env, HOTPATH_OUT: out, HOTPATH_PROFILES: 'time,heap,exceptions', HOTPATH_PERIOD: '1s', HOTPATH_SERVICE: 'names' },
  });
  const id = String(JSON.parse(stdout.trim().split('\n').pop()!).workerThreadId);
  for (const kind of ['time', 'heap', 'exceptions']) {
    const names = new Map<string, number>();
    for (const f of readdirSync(out).filter((n) => n.includes(`.${kind}.`))) {
      for (const s of decodeProfile(readFileSync(path.join(out, f))).sample) {
        if (s.label.find((l) => l.key === 'thread id')?.str !== id) continue;
        const name = s.label.find((l) => l.key === 'thread name')?.str ?? '(none)';
        names.set(name, (names.get(name) ?? 0) + 1);
      }
    }
    tt.same([...names.keys()], ['named-w'], `${kind}: the worker's samples are named named-w (${[...names].map(([n, c]) => `${n}: ${c}`).join(', ') || 'none'})`);
  }
});
