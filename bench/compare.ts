// Compares the figures of two runs of the suite (bench/results.json files):
//   npm run bench:compare -- a.json b.json [--md [--all]] [--strict]
// --md: markdown, a count per scenario and the figures that do not agree (--all: every figure).
// Two runs agree on a figure when their interquartile ranges overlap (q1 to q3 of the per-round
// values, the spread written beside every figure): the two medians are then no further apart
// than the two half-spreads together. For each figure it also says whether each median lies
// inside the other run's IQR (a stricter reading, printed but not required). Figures present in
// only one file, or without values, are listed apart. Exit status: 0 (with --strict: 1 when some
// figures do not agree), 2 when the files cannot be read.
import { existsSync, readFileSync } from 'node:fs';
import type { ResultsJson, Spread } from './lib/common.js';

interface Row { scenario: string; figure: string; a: Spread; b: Spread; overlap: boolean; mediansInside: boolean }

function load(file: string): ResultsJson {
  if (!existsSync(file)) throw new Error(`bench:compare: ${file} does not exist`);
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as ResultsJson;
    if (!j || typeof j.scenarios !== 'object') throw new Error('no "scenarios"');
    return j;
  } catch (e) {
    throw new Error(`bench:compare: ${file} is not a results file of bench/run.ts (${String((e as Error).message).split('\n')[0]})`);
  }
}

const usable = (s: Spread | undefined): s is Spread =>
  !!s && [s.median, s.q1, s.q3].every((x) => typeof x === 'number' && Number.isFinite(x));

export function compare(a: ResultsJson, b: ResultsJson): { rows: Row[]; unmatched: string[] } {
  const rows: Row[] = [];
  const unmatched: string[] = [];
  for (const scenario of new Set([...Object.keys(a.scenarios), ...Object.keys(b.scenarios)])) {
    const fa = a.scenarios[scenario]?.figures ?? {};
    const fb = b.scenarios[scenario]?.figures ?? {};
    for (const figure of new Set([...Object.keys(fa), ...Object.keys(fb)])) {
      const sa = fa[figure];
      const sb = fb[figure];
      if (!usable(sa) || !usable(sb)) {
        unmatched.push(`${scenario}: ${figure} (${!sa || !sb ? `only in ${sa ? 'a' : 'b'}` : 'no values'})`);
        continue;
      }
      rows.push({
        scenario, figure, a: sa, b: sb,
        overlap: Math.max(sa.q1, sb.q1) <= Math.min(sa.q3, sb.q3),
        mediansInside: sa.median >= sb.q1 && sa.median <= sb.q3 && sb.median >= sa.q1 && sb.median <= sa.q3,
      });
    }
  }
  return { rows, unmatched };
}

function fmt(x: number): string {
  const a = Math.abs(x);
  return a !== 0 && (a < 0.01 || a >= 1e5) ? x.toExponential(2) : x.toFixed(a < 10 ? 4 : a < 1000 ? 2 : 0);
}
const cell = (s: Spread): string => `${fmt(s.median)} (${fmt(s.q1)} to ${fmt(s.q3)}; n ${s.n})`;

function main(): number {
  const files = process.argv.slice(2).filter((x) => !x.startsWith('--'));
  if (files.length !== 2) {
    process.stderr.write('usage: npm run bench:compare -- a.json b.json [--md [--all]] [--strict]\n');
    return 2;
  }
  let a: ResultsJson;
  let b: ResultsJson;
  try {
    a = load(files[0]);
    b = load(files[1]);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const { rows, unmatched } = compare(a, b);
  const bad = rows.filter((r) => !r.overlap);
  const out: string[] = [];
  if (process.argv.includes('--md')) {
    // Per scenario: how many figures agree; then the rows (all with --all, else the ones that do not agree).
    out.push('| scenario | figures | IQRs overlap | each median inside the other IQR |', '|---|---|---|---|');
    for (const sc of new Set(rows.map((r) => r.scenario))) {
      const rs = rows.filter((r) => r.scenario === sc);
      out.push(`| ${sc} | ${rs.length} | ${rs.filter((r) => r.overlap).length} | ${rs.filter((r) => r.mediansInside).length} |`);
    }
    const shown = process.argv.includes('--all') ? rows : bad;
    if (shown.length) {
      out.push('', '| scenario | figure | a: median (IQR; n) | b: median (IQR; n) | IQRs overlap | each median inside the other IQR |', '|---|---|---|---|---|---|');
      for (const r of shown) out.push(`| ${r.scenario} | ${r.figure} | ${cell(r.a)} | ${cell(r.b)} | ${r.overlap ? 'yes' : '**no**'} | ${r.mediansInside ? 'yes' : 'no'} |`);
    }
    out.push('');
  } else {
    for (const r of rows) out.push(`${r.overlap ? 'agree   ' : 'DISAGREE'} ${r.mediansInside ? ' ' : '~'} ${r.scenario}: ${r.figure}: a ${cell(r.a)}, b ${cell(r.b)}`);
    out.push('');
  }
  out.push(`${files[0]} vs ${files[1]}: ${rows.length - bad.length} of ${rows.length} figures agree (interquartile ranges overlap); ` +
    `${rows.filter((r) => r.mediansInside).length} of ${rows.length} also have each median inside the other run's IQR.`);
  if (bad.length) out.push(`Do not agree (${bad.length}):`, ...bad.map((r) => `  ${r.scenario}: ${r.figure}: a ${cell(r.a)}, b ${cell(r.b)}`));
  if (unmatched.length) out.push(`Not compared (${unmatched.length}):`, ...unmatched.map((u) => `  ${u}`));
  process.stdout.write(out.join('\n') + '\n');
  return bad.length && process.argv.includes('--strict') ? 1 : 0;
}

process.exitCode = main();
