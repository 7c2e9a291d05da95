// Child-process entry of a fuzz campaign: `node --import tsx worker.ts '<EngineOptions JSON>'`.
// Prints `progress N` lines while it runs and one `report {...}` line at the end.
import { runEngine, type EngineOptions } from './engine.js';

const opts = JSON.parse(process.argv[2]) as EngineOptions;
const report = runEngine(opts, (n) => process.stdout.write(`progress ${n}\n`));
process.stdout.write(`report ${JSON.stringify(report)}\n`);
process.exitCode = report.stopped === 'memory' ? 3 : 0;
