// By hand: `node --import tsx test/fuzz/run.ts TARGET INPUTS [SECONDS] [WORKDIR]` runs one
// campaign and prints its report (findings are saved under WORKDIR/findings).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCampaign } from './campaign.js';

const [target = 'decode', inputs = '10000', seconds = '600', workDir = join(tmpdir(), `hotpath-fuzz-${target}-${process.pid}`)] = process.argv.slice(2);
const report = await runCampaign(target, { inputs: Number(inputs), seconds: Number(seconds), workDir });
console.log(JSON.stringify(report, null, 1));
