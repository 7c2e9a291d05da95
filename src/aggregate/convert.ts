// The convert service of the aggregation worker (src/aggregate/worker-entry.ts): rewrites
// finished profiles for the exporters (messages: src/transport/convert-protocol.ts). The OTLP
// exporter's requests (otlp-encode.ts) and answers, and the pprof a backend gets with its sample
// labels as it wants them (relabel.ts).
import type { MessagePort } from 'node:worker_threads';
import type { Service } from '../transport/aggregation-protocol.js';
import { Code } from '../transport/protocol.js';
import { listen } from '../transport/service-port.js';
import type { ConvertedMessage, ToConvert } from '../transport/convert-protocol.js';
import { encodeOtlpRequest, readPartialSuccess } from './otlp-encode.js';
import { relabelProfile } from './relabel.js';

function convert(m: ToConvert): ConvertedMessage {
  const answer = { code: Code.Profile, kind: 'convert', seq: m.seq } as const;
  if ('period' in m) return { ...answer, bytes: encodeOtlpRequest(m.period) };
  if ('profile' in m) return { ...answer, bytes: relabelProfile(m.profile, m.rules) };
  return { ...answer, ...readPartialSuccess(m.response) };
}

export function serve(port: MessagePort): Service {
  return listen<ToConvert, never>(port, null, ['convert'], (m) => {
    if (m.code !== Code.Convert) {
      throw new Error(`hotpath: this should not happen: unknown convert message code ${(m as { code: unknown }).code}`);
    }
    let out: ConvertedMessage;
    try {
      out = convert(m);
    } catch (e) {
      port.postMessage({ code: Code.Error, kind: 'convert', seq: m.seq, message: (e as Error).message });
      return;
    }
    port.postMessage(out, out.bytes ? [out.bytes.buffer as ArrayBuffer] : []);
  });
}
