// A TypeScript-compiler workload for bench/lines.ts: parses lib.dom.d.ts for argv[2] ms.
//   node dist/bench/lib/typescript-run.js <ms>
import { typescriptParse } from './workloads.js';

process.stdout.write(`${typescriptParse(Number(process.argv[2] ?? 5000))} parses\n`);
