// A cluster primary with two workers and one child Node process, each doing its own busy work
// for about a second, then ending. The primary exits 0 when all have ended.
import cluster from 'node:cluster';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

function spin(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) for (let i = 0; i < 20000; i++) x += Math.sqrt(x + i);
  return x;
}
function clusterWorkerBusy() {
  return spin(800);
}
function clusterPrimaryBusy() {
  return spin(500);
}

if (cluster.isPrimary) {
  const ends = [];
  for (let i = 0; i < 2; i++) {
    const w = cluster.fork();
    ends.push(new Promise((r) => w.on('exit', (code) => r(`worker ${code}`))));
  }
  const child = spawn(process.execPath, [fileURLToPath(new URL('./life-app.mjs', import.meta.url)), 'natural'], { stdio: 'ignore' });
  ends.push(new Promise((r) => child.on('exit', (code) => r(`child ${code}`))));
  clusterPrimaryBusy();
  console.log((await Promise.all(ends)).join(', '));
} else {
  clusterWorkerBusy();
  process.exit(0);
}
