// Run in a fresh process per case by test/core/fuzz-regressions.test.ts (`bomb-child.ts CASE`):
// decodes a gzip bomb through the decoder or one of the file loaders and prints the error,
// the time and how much the process's peak RSS grew, as one JSON line. A fresh process per
// case, because peak RSS only rises.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { decodeProfile } from '../../dist/src/profile/index.js';
import { readProfileFile } from '../../dist/src/cli/read-profile.js';
import { loadAnyProfile } from '../../dist/src/cli/convert.js';

// 20 gzip members of 16 MiB of zeros: 320 MiB from ~330 KB.
const zeros = zlib.gzipSync(Buffer.alloc(16 << 20), { level: 9 });
const plain = Buffer.concat(Array(20).fill(zeros));
// The same behind the start of a pprof profile: one string that claims 300 MiB.
const head = zlib.gzipSync(Buffer.from([0x32, 0x80, 0x80, 0x80, 0x8f, 0x01]));
const pprof = Buffer.concat([head, ...Array(20).fill(zeros)]);
// Just under the 4 MiB past which the compression ratio is checked: 2M empty samples (no
// sample types, so invalid), and 1M of the smallest valid samples (one value each).
const samples = (n: number, sample: number[], head: number[]): Buffer => {
  const raw = Buffer.alloc(head.length + n * sample.length);
  Buffer.from(head).copy(raw);
  for (let i = 0; i < n; i++) Buffer.from(sample).copy(raw, head.length + i * sample.length);
  return zlib.gzipSync(raw, { level: 9 });
};
const empty = samples(2_000_000, [0x12, 0x00], [0x32, 0x00]);
const dense = samples(1_040_000, [0x12, 0x02, 0x10, 0x01], [0x32, 0x00, 0x0a, 0x04, 0x08, 0x00, 0x10, 0x00]);
const dir = mkdtempSync(join(tmpdir(), 'hotpath-bomb-'));
const file = join(dir, 'bomb.pb.gz');
writeFileSync(file, pprof);

const cases: [string, () => unknown][] = [
  ['decode zeros', () => decodeProfile(plain)],
  ['decode pprof string', () => decodeProfile(pprof)],
  ['readProfileFile', () => readProfileFile(file)],
  ['loadAnyProfile', () => loadAnyProfile(file)],
  ['empty samples', () => decodeProfile(empty)],
  ['dense samples', () => decodeProfile(dense)],
];
const [name, run] = cases.find(([n]) => n === process.argv[2]) ?? cases[0];
const before = process.resourceUsage().maxRSS;
const t0 = performance.now();
let error = '';
try {
  run();
} catch (e) {
  error = `${(e as Error).name}: ${(e as Error).message}`;
}
const result = { name, error, ms: Math.round(performance.now() - t0), rssGrowthMb: Math.round((process.resourceUsage().maxRSS - before) / 1024), inputKb: Math.round((name === 'empty samples' ? empty : name === 'dense samples' ? dense : pprof).length / 1024) };
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(result)}\n`);
