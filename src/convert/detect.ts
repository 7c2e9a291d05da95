// Tells the input formats `hotpath convert` reads apart by their first bytes and, for JSON, by
// their top-level keys.
import { ConvertError } from './errors.js';

export type InputFormat = 'pprof' | 'cpuprofile' | 'heapprofile' | 'selfprofile';

/** The first byte that is not JSON whitespace, or -1. */
function firstByte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length && i < 4096; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0xef && b !== 0xbb && b !== 0xbf) return b;
  }
  return -1;
}

export function looksLikeJson(bytes: Uint8Array): boolean {
  const b = firstByte(bytes);
  return b === 0x7b; // '{'
}

/**
 * V8's JSON.parse message on one line: its excerpt of the input (`..., "<text>" is not valid
 * JSON`) holds the file's own line breaks, and the unexpected token can be a control
 * character, so those are escaped.
 */
function oneLine(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Parses JSON bytes, turning a parse failure into one clear line. */
export function parseJson(bytes: Uint8Array): unknown {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = oneLine((error as Error).message);
    const at = /position (\d+)/.exec(detail);
    const atEnd = /end of (JSON )?input|Unterminated/i.test(detail) || (at !== null && Number(at[1]) >= text.trimEnd().length);
    const truncated = atEnd ? ' (the file looks truncated)' : '';
    throw new ConvertError(`not valid JSON${truncated}: ${detail}`);
  }
}

/** Which format a parsed JSON document is, or a clear error. */
export function jsonFormat(json: unknown): 'cpuprofile' | 'heapprofile' | 'selfprofile' {
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    if ('nodes' in json) return 'cpuprofile';
    if ('head' in json) return 'heapprofile';
    if ('frames' in json && 'stacks' in json && 'samples' in json) return 'selfprofile';
    if ('traceEvents' in json || '$schema' in json) {
      throw new ConvertError('this JSON is a trace or a speedscope file; hotpath convert reads .cpuprofile and .heapprofile JSON');
    }
  }
  throw new ConvertError('JSON that is neither a V8 .cpuprofile (no "nodes"), a .heapprofile (no "head") nor a JS Self-Profiling trace (no "frames", "stacks" and "samples")');
}

export function detectFormat(bytes: Uint8Array): InputFormat | 'json' {
  if (bytes.length === 0) throw new ConvertError('the file is empty');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'pprof';
  return looksLikeJson(bytes) ? 'json' : 'pprof';
}
