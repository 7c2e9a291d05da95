// Load for examples/service.mjs: autocannon against its three routes, from its own process.
import autocannon from 'autocannon';

const [port, seconds] = process.argv.slice(2).map(Number);
const result = await autocannon({
  url: `http://127.0.0.1:${port}`,
  connections: 8,
  duration: seconds,
  requests: [
    { method: 'GET', path: '/items?limit=200' },
    { method: 'GET', path: '/search?q=item-1[0-9]%2B7' },
    { method: 'GET', path: '/checksum?rounds=300' },
  ],
});
console.log(`load: ${result.requests.total} requests, ${result.requests.average} req/s, p99 ${result.latency.p99} ms, ${result.errors} errors`);
