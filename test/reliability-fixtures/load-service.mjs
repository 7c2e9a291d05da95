// A node:http service for the saturation test: a JSON route that builds, serialises and
// hashes a list, with a thrown-and-caught error on one request in 50. Prints its port, then one
// MEM line (rss, JS heap after no forced GC, process CPU) every 5 s, until SIGTERM.
import http from 'node:http';
import { createHash } from 'node:crypto';

function handleItems(n) {
  const items = [];
  for (let i = 0; i < n; i++) items.push({ id: i, name: `item-${i}`, price: (i * 7.31) % 100 });
  const body = JSON.stringify(items);
  return { body, etag: createHash('sha1').update(body).digest('hex') };
}

let served = 0;
const server = http.createServer((req, res) => {
  served++;
  if (served % 50 === 0) {
    try {
      throw new Error('a handled error');
    } catch {}
  }
  const { body, etag } = handleItems(50);
  res.writeHead(200, { 'content-type': 'application/json', etag });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
const t0 = Date.now();
setInterval(() => {
  const m = process.memoryUsage();
  const c = process.cpuUsage();
  console.log('MEM ' + JSON.stringify({ s: (Date.now() - t0) / 1000, rss: m.rss, heapUsed: m.heapUsed, cpuUs: c.user + c.system, served }));
}, 5000).unref();
process.on('SIGTERM', () => server.close(() => process.exit(0)));
