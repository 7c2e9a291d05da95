// The exporters' side of the aggregation worker's convert service (src/aggregate/convert.ts):
// the OTLP exporter's codec and the relabeling a backend's profiles go through, so that neither
// runs on the application's threads. One client per exporter; close() lets the worker go.
import { ServiceClient } from './service-client.js';
import { Code } from './protocol.js';
import type { ConvertedMessage, LabelRules, OtlpPeriod, ToConvert } from './convert-protocol.js';

type Request = ToConvert extends infer T ? (T extends unknown ? Omit<T, 'seq' | 'code' | 'kind'> : never) : never;

function convertClient(): { ask(m: Request): Promise<ConvertedMessage>; close(): void } {
  const client = new ServiceClient<ConvertedMessage>('convert', null);
  let seq = 0;
  return {
    ask(m) {
      const n = ++seq;
      return client.request(n, { ...m, code: Code.Convert, kind: 'convert', seq: n });
    },
    close: () => client.release({ code: Code.Stop, kind: 'convert' }),
  };
}

/** The OTLP exporter's codec (src/export/otlp.ts). */
export function otlpCodec(): {
  encode(period: OtlpPeriod): Promise<Uint8Array>;
  readAnswer(body: Uint8Array): Promise<{ rejected: number; message: string }>;
  close(): void;
} {
  const c = convertClient();
  return {
    encode: async (period) => (await c.ask({ period })).bytes ?? new Uint8Array(0),
    readAnswer: async (response) => {
      const a = await c.ask({ response });
      return { rejected: a.rejected ?? 0, message: a.message ?? '' };
    },
    close: c.close,
  };
}

/** Rewrites profiles' sample labels as an exporter's backend wants them. */
export function relabeler(): { relabel(profile: Uint8Array, rules: LabelRules): Promise<Uint8Array>; close(): void } {
  const c = convertClient();
  return {
    relabel: async (profile, rules) => (await c.ask({ profile, rules })).bytes ?? profile,
    close: c.close,
  };
}
