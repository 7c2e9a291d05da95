// An example node:http JSON service for trying hotpath on: a few routes that do real work
// (serialising, sorting, hashing, a regular expression). With `--load SECONDS` it also starts
// a load generator (autocannon, in a separate process that hotpath does not profile), and
// stops when the load is done.
//
//   npx hotpath run --period 10s -- node examples/service.mjs --load 20
import http from 'node:http';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const catalogue = Array.from({ length: 2000 }, (_, i) => ({
  id: i,
  name: `item-${(i * 7919) % 2000}`,
  price: ((i * 104729) % 10000) / 100,
  tags: ['a', 'b', 'c', 'd'].filter((_, k) => (i >> k) & 1),
}));

function listItems(url) {
  const limit = Number(url.searchParams.get('limit') ?? 200);
  const sorted = [...catalogue].sort((x, y) => x.price - y.price || x.name.localeCompare(y.name));
  return sorted.slice(0, limit);
}

function searchItems(url) {
  const pattern = new RegExp(url.searchParams.get('q') ?? 'item-1[0-9]+7', 'i');
  return catalogue.filter((item) => pattern.test(item.name));
}

function checksum(url) {
  const rounds = Number(url.searchParams.get('rounds') ?? 200);
  let digest = 'seed';
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest('hex');
  return { digest };
}

const routes = { '/items': listItems, '/search': searchItems, '/checksum': checksum };

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const route = routes[url.pathname];
  if (!route) {
    res.writeHead(404).end();
    return;
  }
  const body = JSON.stringify(route(url));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});

const loadIndex = process.argv.indexOf('--load');
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`example service on http://127.0.0.1:${port}/items`);
  if (loadIndex < 0) return;
  const seconds = Number(process.argv[loadIndex + 1] ?? 10);
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the load generator is not the program under study
  const load = spawn(process.execPath, [fileURLToPath(new URL('./load.mjs', import.meta.url)), String(port), String(seconds)], { stdio: 'inherit', env });
  load.on('exit', () => server.close());
});
