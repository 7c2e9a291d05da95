// The viewer in a real browser (Debian's chromium, headless, through playwright-core): its top
// table against `go tool pprof -top` on the same file, click-to-zoom, hover, the sample-type
// selector, search, label filters, a diff, a Go-written file, bad files reported on the page,
// and no request leaving the viewer's origin. A screenshot is kept in test/artifacts/.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProfileBuilder } from '../../dist/src/index.js';
import { startViewer } from '../../dist/src/view/server.js';
import { launchChromium } from '../fixtures/chromium.js';
import { goPprof } from '../helpers/cli.js';
import { requireChromium, requireGo } from '../helpers/system-tools.js';

requireGo();
requireChromium();

const dir = mkdtempSync(join(tmpdir(), 'hotpath-view-browser-'));
const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(artifacts, { recursive: true });
writeFileSync(join(artifacts, '.gitignore'), '*\n');

const MS = 1_000_000;
const f = (name: string, line: number) => ({ name, file: '/srv/app.js', line });
const main = f('main', 1);
const handle = f('handle', 10);
const parseJson = f('parseJson', 20);
const render = f('render', 30);
const gzipBody = f('gzipBody', 40);
const workerMain = f('workerMain', 50);
const compress = f('compress', 60);
const idle = { name: '(idle)', file: '', line: 0 };

/** A time profile whose cpu and wall views differ: wall is dominated by (idle), cpu by parseJson. */
async function timeProfile(renderScale: number): Promise<Uint8Array> {
  const b = await ProfileBuilder.create({
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'wall', unit: 'nanoseconds' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    periodType: { type: 'wall', unit: 'nanoseconds' },
    period: 10 * MS,
    durationNanos: 60_000 * MS,
    timeNanos: 1_700_000_000_000_000_000n,
  });
  const mainThread = [{ key: 'thread name', str: 'main' }, { key: 'thread id', num: 0 }];
  const worker = [{ key: 'thread name', str: 'pool-1' }, { key: 'thread id', num: 1 }];
  b.addSample([parseJson, handle, main], [50, 500 * MS, 480 * MS], mainThread);
  b.addSample([render, handle, main], [20 * renderScale, 200 * MS * renderScale, 190 * MS * renderScale], mainThread);
  b.addSample([gzipBody, handle, main], [12, 120 * MS, 110 * MS], mainThread);
  b.addSample([handle, main], [3, 30 * MS, 25 * MS], mainThread);
  b.addSample([main], [2, 20 * MS, 15 * MS], mainThread);
  b.addSample([idle], [90, 900 * MS, 0], mainThread);
  b.addSample([compress, workerMain], [35, 350 * MS, 300 * MS], worker);
  b.addSample([workerMain], [7, 70 * MS, 60 * MS], worker);
  return b.encode();
}

const app = join(dir, 'app.pb.gz');
const before = join(dir, 'before.pb.gz');
const goFile = join(dir, 'go-written.pb.gz');
const notProfile = join(dir, 'notes.pb.gz');
const truncated = join(dir, 'truncated.pb.gz');
const datadogFile = join(dir, 'datadog-wall.pb.gz');
const goCpuFile = join(dir, 'go-cpu.pprof');

/** A real @datadog/pprof wall profile of a workload with a known hot function. */
function writeDatadogProfile(): void {
  const script = `
    import pprof from '@datadog/pprof';
    import { writeFileSync } from 'node:fs';
    pprof.time.start({ intervalMicros: 1000, durationMillis: 60000 });
    function ddHot() { let s = 0; for (let i = 0; i < 6e6; i++) s += Math.sqrt(i); return s; }
    function ddCold() { let s = 0; for (let i = 0; i < 2e6; i++) s += Math.sqrt(i); return s; }
    for (let i = 0; i < 20; i++) { ddHot(); ddCold(); }
    writeFileSync(${JSON.stringify(datadogFile)}, await pprof.encode(pprof.time.stop()));
  `;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_OPTIONS: '' } });
}

interface GoRow {
  flatPct: string;
  name: string;
}
/** The rows of `go tool pprof -top`: flat% and name. */
function goTop(file: string, sampleIndex: string): GoRow[] {
  const out = goPprof(['-top', `-sample_index=${sampleIndex}`, '-nodefraction=0', '-edgefraction=0', file]);
  return out
    .split('\n')
    .map((l) => /^\s*\S+\s+(-?[\d.]+)%\s+\S+%\s+\S+\s+\S+%\s+(.+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ flatPct: Number(m[1]).toFixed(2), name: m[2].trim() }));
}

t.before(async () => {
  writeFileSync(app, await timeProfile(1));
  writeFileSync(before, await timeProfile(3));
  // Go's own encoder writes this one: `go tool pprof -proto` re-encodes what it read.
  writeFileSync(goFile, execFileSync('go', ['tool', 'pprof', '-proto', app], { maxBuffer: 1 << 26 }));
  writeFileSync(notProfile, 'These are my notes, not a profile.\n'.repeat(20));
  const bytes = readFileSync(app);
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  writeDatadogProfile();
  // A real Go CPU profile, from runtime/pprof.
  execFileSync('go', ['run', fileURLToPath(new URL('../fixtures/go-cpu/main.go', import.meta.url)), goCpuFile], { timeout: 120_000 });
});

t.test('the viewer in chromium', async (t) => {
  const viewer = await startViewer({
    profiles: [app, before, goFile, notProfile, truncated, datadogFile, goCpuFile].map((path) => ({ name: path.split('/').pop()!, path })),
  });
  const { context, close } = await launchChromium();
  t.teardown(async () => {
    await close();
    await viewer.close();
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => requests.push(r.url()));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const ready = () => page.waitForFunction(() => document.body.dataset.state !== undefined && document.body.dataset.state !== 'loading', undefined, { timeout: 15_000 });
  const frames = () => page.evaluate(() => (globalThis as any).hotpathView.frames() as { name: string; depth: number; x: number; y: number; w: number; h: number }[]);
  const tableNames = () => page.$$eval('#top tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.name));
  const tablePct = () => page.$$eval('#top tbody tr', (rows) => rows.map((r) => r.children[1].textContent!.replace('%', '')));
  const canvasBox = async () => (await page.locator('#flame').boundingBox())!;

  await page.goto(viewer.url);
  await ready();
  t.equal(await page.evaluate(() => document.body.dataset.state), 'ready', 'the first profile decoded in the page');

  await t.test('its top table matches go tool pprof -top (wall, the default)', async (t) => {
    t.equal(await page.inputValue('#sample-type'), 'cpu', 'default sample type is the last, as pprof picks it');
    await page.selectOption('#sample-type', 'wall');
    await ready();
    const go = goTop(app, 'wall');
    t.ok(go.length >= 6, `go shows the functions: ${go.map((r) => r.name)}`);
    const names = await tableNames();
    const pct = await tablePct();
    t.same(names.slice(0, 6), go.slice(0, 6).map((r) => r.name), 'same functions in the same order');
    t.same(pct.slice(0, 6), go.slice(0, 6).map((r) => r.flatPct), 'same flat%');
    t.equal(names[0], '(idle)');
  });

  await t.test('hover shows name, file:line, self and total with percentages', async (t) => {
    const box = await canvasBox();
    const parse = (await frames()).find((fr) => fr.name === 'parseJson')!;
    await page.mouse.move(box.x + parse.x + parse.w / 2, box.y + parse.y + parse.h / 2);
    const tip = page.locator('#tooltip');
    await tip.waitFor({ state: 'visible' });
    const text = (await tip.textContent())!;
    t.match(text, /^parseJson\n\/srv\/app\.js:20\nself: {2}500ms \(22\.83%\)\ntotal: 500ms \(22\.83%\)/);
  });

  await t.test('a click zooms to the frame; the root zooms back out', async (t) => {
    const box = await canvasBox();
    const before = await frames();
    const h = before.find((fr) => fr.name === 'handle')!;
    t.ok(h.w < box.width * 0.9, 'handle is narrower than the graph before zooming');
    await page.mouse.click(box.x + h.x + h.w / 2, box.y + h.y + h.h / 2);
    const after = await frames();
    const zoomed = after.find((fr) => fr.name === 'handle')!;
    t.ok(Math.abs(zoomed.w - box.width) < 4, `handle now spans the graph (${zoomed.w.toFixed(0)} of ${box.width.toFixed(0)} px)`);
    t.equal(await page.evaluate(() => (globalThis as any).hotpathView.zoomed()), 'handle');
    t.notOk(after.some((fr) => fr.name === 'workerMain'), 'frames outside handle are gone');
    t.match((await page.textContent('#breadcrumbs'))!, /root › main › handle/);
    const parse = after.find((fr) => fr.name === 'parseJson')!;
    t.ok(parse.w > before.find((fr) => fr.name === 'parseJson')!.w * 1.5, 'children widen with the zoom');
  });

  await t.test('switching the sample type changes the graph and the table (zoom kept)', async (t) => {
    const wallFrames = await frames();
    const wallTotal = await page.getAttribute('#flame', 'data-total');
    await page.selectOption('#sample-type', 'cpu');
    await ready();
    t.equal(await page.getAttribute('#flame', 'data-sample-type'), 'cpu');
    t.not(await page.getAttribute('#flame', 'data-total'), wallTotal, 'another total');
    t.equal(await page.evaluate(() => (globalThis as any).hotpathView.zoomed()), 'handle', 'still zoomed to handle');
    await page.click('#reset');
    const cpuFrames = await frames();
    t.notOk(cpuFrames.some((fr) => fr.name === '(idle)'), '(idle) has no cpu time, so no frame');
    t.not(JSON.stringify(cpuFrames), JSON.stringify(wallFrames));
    const go = goTop(app, 'cpu');
    t.same((await tableNames()).slice(0, 6), go.slice(0, 6).map((r) => r.name), 'cpu table matches go tool pprof -top -sample_index=cpu');
    t.same((await tablePct()).slice(0, 6), go.slice(0, 6).map((r) => r.flatPct));
  });

  await t.test('search highlights and sums the matches', async (t) => {
    await page.fill('#search', 'parse|gzip');
    t.match((await page.textContent('#status'))!, /search matches 590ms \(50\.00%\)/);
    await page.screenshot({ path: join(artifacts, 'viewer-search.png'), fullPage: true });
    await page.fill('#search', '');
    t.notMatch((await page.textContent('#status'))!, /search matches/);
  });

  await t.test('the table sorts by a clicked column', async (t) => {
    await page.click('#top th button[data-sort="cum"]');
    t.equal((await tableNames())[0], 'main', 'by cum, main first');
    await page.click('#top th button[data-sort="name"]');
    t.equal((await tableNames())[0], 'compress', 'by name');
    await page.click('#top th button[data-sort="flat"]');
    t.equal((await tableNames())[0], 'parseJson');
  });

  await t.test('label filters keep one thread', async (t) => {
    await page.selectOption('select[data-key="thread name"]', 'pool-1');
    await ready();
    t.same(new Set(await tableNames()), new Set(['compress', 'workerMain']));
    t.notOk((await frames()).some((fr) => fr.name === 'main'));
    await page.selectOption('select[data-key="thread name"]', '');
    await ready();
    t.ok((await tableNames()).includes('main'));
  });

  await t.test('a diff against another profile', async (t) => {
    await page.selectOption('#base', { label: 'before.pb.gz' });
    await ready();
    const heads = await page.$$eval('#top thead th', (ths) => ths.map((th) => th.textContent));
    t.same(heads, ['flat', 'base flat', 'Δ flat', 'cum', 'base cum', 'Δ cum', 'name']);
    const first = await page.$$eval('#top tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
    t.equal(first[6]?.startsWith('render'), true, 'render changed most');
    t.equal(first[2], '-380ms', 'render: 190ms now, 570ms before');
    t.match((await page.textContent('#status'))!, /compared with before\.pb\.gz/);
    await page.screenshot({ path: join(artifacts, 'viewer-diff.png'), fullPage: true });
    await page.selectOption('#base', '-1');
    await ready();
  });

  await t.test("Go's own encoding of the file shows the same table", async (t) => {
    const ours = await tableNames();
    await page.selectOption('#profile', { label: 'go-written.pb.gz' });
    await ready();
    t.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
    t.same(await tableNames(), ours);
  });

  await t.test("a @datadog/pprof file: the same top as go tool pprof", async (t) => {
    await page.selectOption('#profile', { label: 'datadog-wall.pb.gz' });
    await ready();
    t.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
    const type = await page.inputValue('#sample-type');
    const go = goTop(datadogFile, type).filter((r) => r.flatPct !== '0.00');
    const names = (await tableNames()).slice(0, go.length);
    t.ok(go.length >= 2, `go shows ${go.map((r) => r.name)}`);
    // Rows of equal flat value may come in either order: compare as sets with their flat%.
    const pct = await tablePct();
    const ours = new Map(names.map((n, i) => [n, pct[i]]));
    t.same(ours, new Map(go.map((r) => [r.name, r.flatPct])), `same functions and flat% (${type})`);
    t.equal(go[0].name, 'ddHot');
  });

  await t.test('a runtime/pprof CPU profile from a Go program: the same top as go tool pprof', async (t) => {
    await page.selectOption('#profile', { label: 'go-cpu.pprof' });
    await ready();
    t.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
    t.equal(await page.inputValue('#sample-type'), 'cpu');
    const go = goTop(goCpuFile, 'cpu').filter((r) => r.flatPct !== '0.00');
    const names = (await tableNames()).slice(0, go.length);
    const pct = await tablePct();
    t.same(new Map(names.map((n, i) => [n, pct[i]])), new Map(go.map((r) => [r.name, r.flatPct])), 'same functions and flat%');
    t.ok((await frames()).some((fr) => fr.name === 'main.goHot'), 'main.goHot is in the flame graph');
  });

  await t.test('bad files: a clear message on the page, and the page keeps working', async (t) => {
    for (const [label, message] of [
      ['notes.pb.gz', /^notes\.pb\.gz: not a readable pprof profile: \S/],
      ['truncated.pb.gz', /^truncated\.pb\.gz: not a readable pprof profile: .*(truncated|unexpected end|bad)/i],
    ] as const) {
      await page.selectOption('#profile', { label });
      await page.waitForFunction(() => document.body.dataset.state === 'error');
      t.ok(await page.isVisible('#error'), `${label}: the error shows`);
      t.match((await page.textContent('#error'))!, message);
    }
    await page.selectOption('#profile', { label: 'app.pb.gz' });
    await ready();
    t.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
    t.notOk(await page.isVisible('#error'), 'the error goes away');
  });

  await page.screenshot({ path: join(artifacts, 'viewer.png'), fullPage: true });
  t.same(problems, [], 'no page errors, no CSP violations');
  const foreign = requests.filter((u) => !u.startsWith(viewer.url) && !u.startsWith('data:'));
  t.same(foreign, [], 'every request went to the viewer itself');
  t.ok(requests.includes(`${viewer.url}dist/src/wasm/core.js`), 'the page loaded the WASM core (hotpath/browser) to decode');
});
