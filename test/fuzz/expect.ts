// What a campaign must show, for the short one in `npm test` and the long one in
// `npm run test:long`: no findings, and coverage that grew past what the seeds reached
// (the fuzzer is finding its way, not replaying the seeds).
import type { CampaignReport } from './campaign.js';

interface Tap {
  ok(value: unknown, message?: string): void;
  same(found: unknown, wanted: unknown, message?: string): void;
  comment(...args: unknown[]): void;
}

export function summary(r: CampaignReport): string {
  return (
    `${r.target}: ${r.inputs} inputs in ${r.seconds} s (${r.children} process${r.children === 1 ? '' : 'es'}), ` +
    `corpus ${r.seeds} seeds -> ${r.corpus}, blocks ${r.seedBlocks} after seeds -> ${r.blocks}, features ${r.features}, ` +
    `slowest ${r.slowestMs} ms, peak RSS growth ${r.peakRssGrowthMb} MB, findings ${r.findings.length}`
  );
}

export function expectClean(t: Tap, r: CampaignReport, minInputs: number): void {
  t.comment(summary(r));
  t.ok(r.inputs >= minInputs, `${r.target}: ran ${r.inputs} inputs (at least ${minInputs})`);
  t.ok(r.blocks > r.seedBlocks, `${r.target}: reached ${r.blocks - r.seedBlocks} blocks the seeds did not`);
  t.ok(r.corpus > r.seeds, `${r.target}: kept ${r.corpus - r.seeds} inputs for new coverage`);
  t.same(
    r.findings.map((f) => `${f.reason} (${f.file})`),
    [],
    `${r.target}: no findings (inputs saved beside the reasons; fix, then move them to test/fuzz/regressions/)`,
  );
}
