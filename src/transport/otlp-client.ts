// The OTLP exporter's codec (src/export/otlp.ts): a client of the aggregation worker's otlp
// service (src/aggregate/otlp.ts), so that the request is written off the application's threads.
import { ServiceClient } from './service-client.js';
import { Code } from './protocol.js';
import type { ConvertedMessage, OtlpPeriod, ToOtlp } from './otlp-protocol.js';

export function otlpServiceCodec(): {
  encode(period: OtlpPeriod): Promise<Uint8Array>;
  readAnswer(body: Uint8Array): Promise<{ rejected: number; message: string }>;
  close(): void;
} {
  const client = new ServiceClient<ConvertedMessage>('otlp', null);
  let seq = 0;
  const ask = (m: ToOtlp extends infer T ? (T extends unknown ? Omit<T, 'seq'> : never) : never): Promise<ConvertedMessage> => {
    const n = ++seq;
    return client.request(n, { ...m, seq: n });
  };
  return {
    async encode(period) {
      const a = await ask({ code: Code.Convert, kind: 'otlp', period });
      return a.bytes ?? new Uint8Array(0);
    },
    async readAnswer(body) {
      const a = await ask({ code: Code.Convert, kind: 'otlp', response: body });
      return { rejected: a.rejected ?? 0, message: a.message ?? '' };
    },
    close: () => client.release({ code: Code.Stop, kind: 'otlp' }),
  };
}
