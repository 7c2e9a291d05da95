// The OTLP exporter's service in the aggregation worker (src/aggregate/worker-entry.ts): writes
// a period's pprof profiles as one gzipped ExportProfilesServiceRequest, and reads the
// partial_success of a collector's answer. Messages: src/transport/otlp-protocol.ts.
import type { MessagePort } from 'node:worker_threads';
import type { Service } from '../transport/aggregation-protocol.js';
import { Code } from '../transport/protocol.js';
import type { ConvertedMessage, ToOtlp } from '../transport/otlp-protocol.js';
import { encodeOtlpRequest, readPartialSuccess } from './otlp-encode.js';

export function serve(port: MessagePort): Service {
  port.on('message', (m: ToOtlp | { code: Code.Stop; kind: 'otlp' }) => {
    if (m.kind !== 'otlp') {
      throw new Error(`hotpath: this should not happen: a message of kind ${String(m.kind)} reached the otlp service`);
    }
    if (m.code === Code.Stop) {
      port.close();
      return;
    }
    if (m.code !== Code.Convert) {
      throw new Error(`hotpath: this should not happen: unknown otlp message code ${(m as { code: unknown }).code}`);
    }
    try {
      if ('period' in m) {
        const bytes = encodeOtlpRequest(m.period);
        port.postMessage({ code: Code.Profile, kind: 'otlp', seq: m.seq, bytes } satisfies ConvertedMessage, [bytes.buffer as ArrayBuffer]);
      } else {
        const { rejected, message } = readPartialSuccess(m.response);
        port.postMessage({ code: Code.Profile, kind: 'otlp', seq: m.seq, rejected, message } satisfies ConvertedMessage);
      }
    } catch (e) {
      port.postMessage({ code: Code.Error, kind: 'otlp', seq: m.seq, message: (e as Error).message });
    }
  });
  // Only the owner talks to this service: no profiled thread sends it anything.
  return { onThreadMessage: () => {} };
}
