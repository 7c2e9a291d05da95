// The seed corpus: the test fixtures, files the project and other tools wrote
// (test/fuzz/seeds/: `hotpath run` time and heap profiles, `node --cpu-prof`/`--heap-prof`
// output, a Go runtime/pprof CPU profile), and profiles built here that use every field of
// the format (mappings, inlined lines, folded locations, numeric labels with units,
// comments, doc_url, drop/keep frames).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProfileBuilder, gunzip, isGzip } from '../../dist/src/profile/index.js';

const SEEDS = fileURLToPath(new URL('./seeds/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const utf8 = new TextEncoder();

function seedFiles(pattern: RegExp): Uint8Array[] {
  return readdirSync(SEEDS)
    .filter((n) => pattern.test(n))
    .sort()
    .map((n) => new Uint8Array(readFileSync(SEEDS + n)));
}

/** A profile with every field set, written by the project's builder. */
function richProfile(): Uint8Array {
  const b = new ProfileBuilder({
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period: 10_000_000,
    defaultSampleType: 'cpu',
    timeNanos: 1_700_000_000_000_000_000n,
    durationNanos: 1e9,
    dropFrames: 'drop.*',
    keepFrames: 'keep',
    docUrl: 'https://example.com/doc',
    mapping: { memoryStart: 0x1000, memoryLimit: 0x9000, fileOffset: 0, filename: 'app', buildId: 'abc', hasFunctions: true, hasFilenames: true, hasLineNumbers: true, hasInlineFrames: true },
  });
  const f1 = b.internFunction({ name: 'outer', systemName: '_outer', filename: 'a.js', startLine: 3 });
  const f2 = b.internFunction({ name: 'inlined', filename: 'a.js', startLine: 9 });
  const inl = b.internLocationLines([{ functionId: f2, line: 10, column: 2 }, { functionId: f1, line: 4, column: 7 }], { address: 0x1234 });
  const folded = b.internLocationLines([{ functionId: f1, line: 5 }], { address: 0x1300, isFolded: true });
  const bare = b.internLocationLines([], { address: 0x2000, mappingId: 0 });
  b.addSampleIds([inl, folded], [1, 10_000_000], b.internLabels([{ key: 'thread name', str: 'main' }, { key: 'bytes', num: 512, numUnit: 'bytes' }]));
  b.addSampleIds([bare, folded], [2, 20_000_000]);
  for (let i = 0; i < 6; i++) b.addSample([{ name: `f${i}`, file: 'b.js', line: i + 1, column: i, startLine: 1 }, { name: 'main', file: 'b.js', line: 1 }], [1, i * 1000], [{ key: 'thread id', num: i % 2 }]);
  b.addComment('a comment');
  return b.encodeRaw();
}

/** The smallest valid profile: an empty string table entry. */
const MINIMAL = Uint8Array.from([0x32, 0x00]);

export function pprofSeeds(): Uint8Array[] {
  const gz = seedFiles(/\.pb\.gz$/);
  return [MINIMAL, richProfile(), ...gz, ...gz.filter(isGzip).map((g) => gunzip(g))];
}

const SELF_PROFILING_TRACE = {
  resources: ['https://example.com/app.js'],
  frames: [{ name: 'main', resourceId: 0, line: 1, column: 1 }, { name: 'work', resourceId: 0, line: 5, column: 3 }, { name: 'native' }],
  stacks: [{ frameId: 0 }, { frameId: 1, parentId: 0 }, { frameId: 2, parentId: 1 }],
  samples: [{ timestamp: 100, stackId: 1 }, { timestamp: 110, stackId: 2, marker: 'script' }, { timestamp: 120 }, { timestamp: 130, stackId: 0 }],
};

export function jsonSeeds(): Uint8Array[] {
  const cpu = JSON.parse(readFileSync(FIXTURES + 'small.cpuprofile', 'utf8')) as Record<string, unknown>;
  // The same tree without samples: the converter falls back to hit counts.
  const { samples: _s, timeDeltas: _t, ...hitCounts } = cpu;
  return [
    new Uint8Array(readFileSync(FIXTURES + 'small.cpuprofile')),
    new Uint8Array(readFileSync(FIXTURES + 'small.heapprofile')),
    utf8.encode(JSON.stringify(hitCounts)),
    utf8.encode(JSON.stringify(SELF_PROFILING_TRACE)),
    ...seedFiles(/\.(cpuprofile|heapprofile|json)$/),
  ];
}
