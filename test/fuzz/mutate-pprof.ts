// Structure-aware mutations of pprof: the input is parsed into protobuf fields (nested
// messages per proto/profile.proto), one field somewhere in the tree is dropped, duplicated,
// moved, given another value or taken from another corpus entry, and the tree is written back
// with correct lengths. This reaches the checks behind the wire format (references, string
// indexes, sample widths) that byte flips mostly break before they get there.
import { type Rng, mutateBytes, varint } from './mutate-bytes.js';

interface Field {
  f: number;
  wt: number;
  /** Varint (wt 0) or fixed (wt 1, 5) value. */
  v?: bigint;
  /** Payload of wt 2 that is not parsed as a message. */
  bytes?: Uint8Array;
  /** Payload of wt 2 parsed as a message. */
  sub?: Field[];
}

/** Which fields hold messages, by message name: field number -> message name. */
const SCHEMA: Record<string, Record<number, string>> = {
  Profile: { 1: 'ValueType', 2: 'Sample', 3: 'Mapping', 4: 'Location', 5: 'Function', 11: 'ValueType' },
  Sample: { 3: 'Label' },
  Location: { 4: 'Line' },
};

function readVarint(b: Uint8Array, pos: { i: number }): bigint {
  let v = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (pos.i >= b.length) throw new Error('truncated');
    const x = b[pos.i++];
    v |= BigInt(x & 0x7f) << shift;
    if (!(x & 0x80)) return BigInt.asUintN(64, v);
  }
  throw new Error('bad varint');
}

/** Parses a message, or returns null if it is not well-formed protobuf. */
export function parseMessage(b: Uint8Array, name: string | undefined): Field[] | null {
  const out: Field[] = [];
  const pos = { i: 0 };
  try {
    while (pos.i < b.length) {
      const key = Number(readVarint(b, pos));
      const f = key >>> 3;
      const wt = key & 7;
      if (wt === 0) out.push({ f, wt, v: readVarint(b, pos) });
      else if (wt === 1 || wt === 5) {
        const n = wt === 1 ? 8 : 4;
        if (pos.i + n > b.length) return null;
        let v = 0n;
        for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[pos.i + k]);
        pos.i += n;
        out.push({ f, wt, v });
      } else if (wt === 2) {
        const len = Number(readVarint(b, pos));
        if (pos.i + len > b.length) return null;
        const payload = b.subarray(pos.i, pos.i + len);
        pos.i += len;
        const subName = name ? SCHEMA[name]?.[f] : undefined;
        const sub = subName ? parseMessage(payload, subName) : null;
        out.push(sub ? { f, wt, sub } : { f, wt, bytes: payload });
      } else return null;
    }
  } catch {
    return null;
  }
  return out;
}

export function writeMessage(fields: Field[]): Uint8Array {
  const parts: number[] = [];
  const push = (bytes: ArrayLike<number>): void => {
    for (let i = 0; i < bytes.length; i++) parts.push(bytes[i]);
  };
  for (const field of fields) {
    push(varint(BigInt(field.f * 8 + field.wt)));
    if (field.wt === 0) push(varint(field.v ?? 0n));
    else if (field.wt === 1 || field.wt === 5) {
      let v = BigInt.asUintN(64, field.v ?? 0n);
      for (let k = 0; k < (field.wt === 1 ? 8 : 4); k++, v >>= 8n) parts.push(Number(v & 0xffn));
    } else {
      const payload = field.sub ? writeMessage(field.sub) : (field.bytes ?? new Uint8Array());
      push(varint(BigInt(payload.length)));
      push(payload);
    }
  }
  return Uint8Array.from(parts);
}

/** Every field list in the tree (the top one and each parsed sub-message). */
function lists(fields: Field[], out: Field[][] = []): Field[][] {
  out.push(fields);
  for (const f of fields) if (f.sub) lists(f.sub, out);
  return out;
}

function clone(f: Field): Field {
  return { ...f, sub: f.sub?.map(clone), bytes: f.bytes?.slice() };
}

const VALUES = [0n, 1n, 2n, 3n, 4n, 5n, 7n, 8n, 100n, 255n, 65535n, 2n ** 31n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -(2n ** 63n)];

/** One structural mutation of a pprof message, or null if data does not parse. */
export function mutatePprof(data: Uint8Array, rng: Rng, other: Uint8Array | undefined, maxLength: number): Uint8Array | null {
  const root = parseMessage(data, 'Profile');
  if (!root) return null;
  const all = lists(root);
  const steps = 1 + rng.below(3);
  for (let s = 0; s < steps; s++) {
    const list = rng.pick(all);
    const i = rng.below(list.length);
    const field = list[i];
    switch (rng.below(8)) {
      case 0:
        if (field) list.splice(i, 1);
        break;
      case 1:
        if (field) list.splice(rng.below(list.length + 1), 0, clone(field));
        break;
      case 2:
        if (field?.wt === 0) field.v = rng.chance(0.6) ? rng.pick(VALUES) : (field.v ?? 0n) + BigInt(rng.below(5) - 2);
        break;
      case 3:
        if (field?.bytes) field.bytes = mutateBytes(field.bytes, rng, undefined, { maxLength: 4096 });
        break;
      case 4: {
        // A field of another corpus entry, at the top level (samples, strings, locations...).
        const donor = other ? parseMessage(other, 'Profile') : null;
        if (donor?.length) root.splice(rng.below(root.length + 1), 0, clone(rng.pick(donor)));
        break;
      }
      case 5: {
        // A new field: random number and type, often a known one with a small value.
        const f = rng.chance(0.7) ? 1 + rng.below(15) : rng.below(1 << 12);
        if (rng.chance(0.5)) list.push({ f, wt: 0, v: rng.pick(VALUES) });
        else list.push({ f, wt: 2, bytes: Uint8Array.from({ length: rng.below(6) }, () => rng.below(256)) });
        break;
      }
      case 6:
        // Wrong wire type for a known field.
        if (field) field.wt = rng.pick([0, 1, 2, 3, 5, 6]);
        if (field && field.wt === 2 && !field.sub) field.bytes ??= new Uint8Array();
        if (field && field.wt !== 2) field.v ??= 1n;
        break;
      case 7: {
        // Swap two fields (order of strings, samples before their locations...).
        const j = rng.below(list.length);
        if (field && list[j]) [list[i], list[j]] = [list[j], list[i]];
        break;
      }
    }
  }
  const out = writeMessage(root);
  return out.length > maxLength ? null : out;
}
