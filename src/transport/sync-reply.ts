// A reply that a blocked thread can wait for: the last profile at `process.exit()`, when only
// synchronous code runs on the owner thread. The owner allocates the shared buffer, sends it
// with its request and blocks in Atomics.wait; the worker writes the bytes and wakes it.
//
// Layout: Int32 state, Int32 length, then the bytes. A SharedArrayBuffer's pages are only
// touched when written, so a generous capacity costs nothing until used.
const STATE = 0;
const LENGTH = 1;
const HEADER_BYTES = 8;

export const enum SyncState { Pending = 0, Done = 1, Failed = 2, Empty = 3, TooBig = 4 }

export const DEFAULT_SYNC_CAPACITY = 64 << 20;

export function createSyncReply(capacity = DEFAULT_SYNC_CAPACITY): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

function settle(buffer: SharedArrayBuffer, state: SyncState, bytes?: Uint8Array): void {
  const header = new Int32Array(buffer, 0, 2);
  if (bytes && state === SyncState.Done) {
    new Uint8Array(buffer, HEADER_BYTES, bytes.byteLength).set(bytes);
    Atomics.store(header, LENGTH, bytes.byteLength);
  }
  Atomics.store(header, STATE, state);
  Atomics.notify(header, STATE);
}

/** Worker side: hands `bytes` (null: the kind had nothing to say) to the waiting thread. */
export function writeSyncReply(buffer: SharedArrayBuffer, bytes: Uint8Array | null): void {
  if (!bytes) settle(buffer, SyncState.Empty);
  else if (bytes.byteLength > buffer.byteLength - HEADER_BYTES) settle(buffer, SyncState.TooBig);
  else settle(buffer, SyncState.Done, bytes);
}

/** Worker side: the request failed. */
export function failSyncReply(buffer: SharedArrayBuffer): void {
  settle(buffer, SyncState.Failed);
}

export interface SyncReply {
  bytes: Uint8Array | null;
  /** Why there are no bytes when there should have been, for the log; unset when done or empty. */
  missing?: string;
}

/** Owner side: blocks up to `timeoutMs` for the reply. */
export function waitSyncReply(buffer: SharedArrayBuffer, timeoutMs: number): SyncReply {
  const header = new Int32Array(buffer, 0, 2);
  Atomics.wait(header, STATE, SyncState.Pending, timeoutMs);
  switch (Atomics.load(header, STATE) as SyncState) {
    case SyncState.Done:
      return { bytes: new Uint8Array(buffer, HEADER_BYTES, Atomics.load(header, LENGTH)).slice() };
    case SyncState.Empty:
      return { bytes: null };
    case SyncState.Pending:
      return { bytes: null, missing: `not ready in ${timeoutMs} ms` };
    case SyncState.TooBig:
      return { bytes: null, missing: `larger than ${buffer.byteLength - HEADER_BYTES} bytes` };
    default:
      return { bytes: null, missing: 'failed in the aggregation worker' };
  }
}

/** Several byte arrays (or nulls) as one reply: u32 count, then per part an i32 length (-1 = null) and its bytes. */
export function packParts(parts: readonly (Uint8Array | null)[]): Uint8Array {
  let size = 4;
  for (const p of parts) size += 4 + (p ? p.byteLength : 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, parts.length, true);
  let at = 4;
  for (const p of parts) {
    view.setInt32(at, p ? p.byteLength : -1, true);
    at += 4;
    if (p) {
      out.set(p, at);
      at += p.byteLength;
    }
  }
  return out;
}

/** The parts of a packParts() reply. */
export function unpackParts(bytes: Uint8Array): (Uint8Array | null)[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  const out: (Uint8Array | null)[] = [];
  let at = 4;
  for (let i = 0; i < n; i++) {
    const len = view.getInt32(at, true);
    at += 4;
    if (len < 0) {
      out.push(null);
    } else {
      out.push(bytes.subarray(at, at + len));
      at += len;
    }
  }
  return out;
}
