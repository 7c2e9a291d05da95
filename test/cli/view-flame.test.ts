// The viewer's call tree, table rows and search, in Node on the hand-made profile.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { cpuProfileToProfile } from '../../dist/src/convert/cpuprofile.js';
import { buildDiffTree, buildFlameTree, diffShare, filterProfile, labelValues, matchedTotal, searchMatcher } from '../../dist/src/view/flame.js';
import { viewTable } from '../../dist/src/view/table.js';

const small = cpuProfileToProfile(JSON.parse(readFileSync(new URL('../fixtures/small.cpuprofile', import.meta.url), 'utf8')));
// Label every sample by the parity of its index, to filter on.
const labelled = { ...small, sample: small.sample.map((s, i) => ({ ...s, label: [{ key: 'thread name', str: i % 2 ? 'worker' : 'main' }] })) };

t.test('tree: totals per path, self at the leaf, children sorted by name', async (t) => {
  const tree = buildFlameTree(small, 0);
  t.equal(tree.total, 10);
  t.equal(tree.root.total, 10);
  t.same(tree.root.children.map((c) => [c.name, c.total]), [['(garbage collector)', 1], ['(idle)', 2], ['main', 7]]);
  const main = tree.root.children[2];
  t.same(main.children.map((c) => [c.name, c.self, c.total]), [['parse', 1, 5], ['render', 2, 2]]);
  t.equal(main.children[0].children[0].name, 'tokenize; semi');
  t.equal(main.children[0].line, 10);
  t.equal(tree.maxDepth, 3);
  t.equal(buildFlameTree(small, 1).total, 11_000_000, 'another sample type, another tree');
});

t.test('label filters keep only matching samples', async (t) => {
  t.same([...labelValues(labelled)], [['thread name', ['main', 'worker']]]);
  const filter = new Map([['thread name', 'main']]);
  const kept = filterProfile(labelled, filter).sample.length;
  t.equal(kept, Math.ceil(small.sample.length / 2));
  const tree = buildFlameTree(labelled, 0, filter);
  t.ok(tree.total > 0 && tree.total < 10);
  t.equal(buildFlameTree(labelled, 0, new Map([['thread name', 'nobody']])).total, 0);
});

t.test('diff: widths from the new profile, base values and normalised change kept', async (t) => {
  // The base is the same profile with render twice as heavy.
  const base = { ...small, sample: small.sample.map((s) => ({ ...s, value: s.locationId.length === 2 && s.value[0] === 2 ? s.value.map((v) => v * 2) : s.value })) };
  const tree = buildDiffTree(small, 0, base, 0);
  t.equal(tree.total, 10);
  t.equal(tree.baseTotal, 12);
  const render = tree.root.children[2].children[1];
  t.equal(render.name, 'render');
  t.same([render.total, render.baseTotal], [2, 4]);
  t.ok(diffShare(render, tree) < 0, 'render shrank');
  t.ok(diffShare(tree.root.children[2].children[0], tree) > 0, 'parse grew as a share');
  const table = viewTable(small, 'samples', undefined, { profile: base, sampleType: 'samples' });
  t.ok(table.diff);
  t.equal(table.rows[0].name, 'render', 'largest change first');
  t.same([table.rows[0].flat, table.rows[0].baseFlat], [2, 4]);
});

t.test('diff: frames are matched by name and file, whatever order they first appear in', async (t) => {
  const reversed = { ...small, sample: [...small.sample].reverse() };
  const tree = buildDiffTree(small, 0, reversed, 0);
  const names = (n: { name: string; children: any[] }): string[] => [n.name, ...n.children.flatMap(names)];
  t.same(names(tree.root), names(buildFlameTree(small, 0).root), 'no duplicate nodes');
  const check = (n: any): void => {
    t.equal(n.total, n.baseTotal, `${n.name}: same in both`);
    n.children.forEach(check);
  };
  check(tree.root);
});

t.test('search: regexp or plain text, nested matches counted once', async (t) => {
  const tree = buildFlameTree(small, 0);
  const re = searchMatcher('^(main|parse)$')!;
  t.equal(matchedTotal(tree.root, (n) => re(n.name)), 7, 'parse is inside main');
  const plain = searchMatcher('tokenize; (')!;
  t.ok(plain('tokenize; (x'), 'an invalid regexp is searched as text');
  t.equal(searchMatcher(''), null);
});
