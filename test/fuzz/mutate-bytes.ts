// Byte-level mutations in the manner of libFuzzer/AFL: bit flips, interesting values,
// inserted and deleted runs, copies within the input, splices with another corpus entry and
// dictionary tokens. Deterministic for a given Rng seed.

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** 32 random bits (xorshift32). */
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.s = x >>> 0);
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }
}

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x40, 0x20, 0x10];
const INTERESTING_32 = [0, 1, -1, 0x7fffffff, -0x80000000, 0xffff, 0x10000, 256, 1024, 4096, 65535];

/** A protobuf varint of v (up to 64 bits, two's complement for negatives). */
export function varint(v: bigint): number[] {
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return out;
}

const INTERESTING_VARINTS = [0n, 1n, 2n, 127n, 128n, 255n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -(2n ** 63n)];

function insert(data: Uint8Array, at: number, bytes: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(data.length + bytes.length);
  out.set(data.subarray(0, at));
  out.set(bytes as Uint8Array | number[], at);
  out.set(data.subarray(at), at + bytes.length);
  return out;
}

function remove(data: Uint8Array, at: number, n: number): Uint8Array {
  const out = new Uint8Array(data.length - n);
  out.set(data.subarray(0, at));
  out.set(data.subarray(at + n), at);
  return out;
}

export interface ByteMutatorOptions {
  /** Tokens worth inserting whole (field keys, JSON words). */
  dictionary?: Uint8Array[];
  /** Inputs never grow past this. */
  maxLength: number;
}

/** One byte-level mutation of data (a new array; data is not changed). */
export function mutateBytesOnce(data: Uint8Array, rng: Rng, other: Uint8Array | undefined, opts: ByteMutatorOptions): Uint8Array {
  const n = data.length;
  const at = rng.below(n + 1);
  switch (rng.below(11)) {
    case 0: {
      if (n === 0) break;
      const out = data.slice();
      out[rng.below(n)] ^= 1 << rng.below(8);
      return out;
    }
    case 1: {
      if (n === 0) break;
      const out = data.slice();
      out[rng.below(n)] = rng.chance(0.5) ? rng.pick(INTERESTING_8) : rng.below(256);
      return out;
    }
    case 2: {
      if (n < 4) break;
      const out = data.slice();
      new DataView(out.buffer).setInt32(rng.below(n - 3), rng.pick(INTERESTING_32), rng.chance(0.5));
      return out;
    }
    case 3: {
      const len = 1 + rng.below(8);
      return insert(data, at, Array.from({ length: len }, () => rng.below(256)));
    }
    case 4: {
      if (n === 0) break;
      const start = rng.below(n);
      return remove(data, start, 1 + rng.below(Math.min(n - start, 64)));
    }
    case 5: {
      // Duplicate a run (repeated fields, nested copies).
      if (n === 0) break;
      const start = rng.below(n);
      const len = 1 + rng.below(Math.min(n - start, 256));
      return insert(data, at, data.slice(start, start + len));
    }
    case 6: {
      // Overwrite a run with another part of the input.
      if (n < 2) break;
      const from = rng.below(n);
      const to = rng.below(n);
      const len = 1 + rng.below(Math.min(n - from, n - to, 32));
      const out = data.slice();
      out.set(data.subarray(from, from + len), to);
      return out;
    }
    case 7: {
      // Splice: our head with another input's tail.
      if (!other || other.length === 0) break;
      const tail = other.subarray(rng.below(other.length));
      const out = new Uint8Array(at + tail.length);
      out.set(data.subarray(0, at));
      out.set(tail, at);
      return out;
    }
    case 8: {
      if (!opts.dictionary?.length) break;
      return insert(data, at, rng.pick(opts.dictionary));
    }
    case 9: {
      const v = rng.chance(0.7) ? rng.pick(INTERESTING_VARINTS) : BigInt(rng.next()) << BigInt(rng.below(32));
      return insert(data, at, varint(v));
    }
    case 10: {
      // Truncate.
      if (n === 0) break;
      return data.slice(0, rng.below(n));
    }
  }
  return insert(data, at, [rng.below(256)]);
}

/** 1 to 8 stacked byte mutations, capped at opts.maxLength. */
export function mutateBytes(data: Uint8Array, rng: Rng, other: Uint8Array | undefined, opts: ByteMutatorOptions): Uint8Array {
  let out = data;
  for (let i = 1 + rng.below(rng.chance(0.5) ? 2 : 8); i > 0; i--) out = mutateBytesOnce(out, rng, other, opts);
  return out.length > opts.maxLength ? out.slice(0, opts.maxLength) : out;
}
