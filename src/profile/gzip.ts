// gzip for profiles, with pako (pure JS: the same code in Node and browsers).
import { Inflate, gzip as pakoGzip } from 'pako';
import { ProfileFormatError } from './errors.js';

/** Default cap on a profile's decompressed size (gzip-bomb guard). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/**
 * Default cap on the decompression ratio, checked once the output passes
 * RATIO_CHECK_BYTES: real profiles compress 3-30x, a gzip bomb ~1000x. Stops a bomb after
 * 4 MiB (a fraction of a second) instead of at the size cap. Decoded, a profile takes up to
 * ~100 times its decompressed size in memory (a valid sample can be 4 bytes), so this is also what
 * bounds the memory a small file can claim: about 400 MB for 4 MiB of the smallest samples.
 */
export const DEFAULT_MAX_RATIO = 100;
const RATIO_CHECK_BYTES = 4 * 1024 * 1024;

/**
 * Default gzip level for encoded profiles (ProfileBuilder uses the WASM core's deflate,
 * assembly/deflate.ts; gzip() below uses pako). On the encode benchmark the WASM deflate at
 * 6 is within 1% of zlib's size at 6, and level 1 is ~15% faster and ~1% larger.
 */
export const DEFAULT_GZIP_LEVEL = 6;

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

export function gzip(data: Uint8Array, level: number = DEFAULT_GZIP_LEVEL): Uint8Array {
  return pakoGzip(data, { level: level as 6 });
}

/**
 * Decompresses gzip data, streaming, and stops as soon as the output passes maxBytes (or,
 * past 4 MiB, maxRatio times the input size), so a small bomb cannot allocate gigabytes.
 * Errors are ProfileFormatError.
 */
export function gunzip(
  data: Uint8Array,
  maxBytes: number = DEFAULT_MAX_DECOMPRESSED_BYTES,
  maxRatio: number = DEFAULT_MAX_RATIO,
): Uint8Array {
  const inflate = new Inflate({ chunkSize: 64 * 1024 });
  const chunks: Uint8Array[] = [];
  let total = 0;
  inflate.onData = (chunk: Uint8Array) => {
    total += chunk.length;
    if (total > maxBytes) {
      throw new ProfileFormatError(`decompressed profile exceeds the limit of ${maxBytes} bytes`);
    }
    if (total > RATIO_CHECK_BYTES && total > maxRatio * data.length) {
      throw new ProfileFormatError(`decompressed profile is over ${maxRatio} times its compressed size (gzip bomb?)`);
    }
    chunks.push(chunk);
  };
  inflate.onEnd = () => {};
  inflate.push(data, true);
  if (inflate.err) {
    const msg = inflate.err === -5 ? 'truncated gzip data' : `bad gzip data (${inflate.msg})`;
    throw new ProfileFormatError(msg);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
