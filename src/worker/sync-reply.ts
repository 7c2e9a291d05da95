// A reply that a blocked thread can wait for: the last profile at `process.exit()`, when only
// synchronous code runs on the owner thread. The owner allocates the shared buffer, sends it
// with its request and blocks in Atomics.wait; the worker writes the bytes and wakes it.
//
// Layout: Int32 state, Int32 length, then the bytes. A SharedArrayBuffer's pages are only
// touched when written, so a generous capacity costs nothing until used.
const STATE = 0;
const LENGTH = 1;
const HEADER_BYTES = 8;

export const enum SyncState { Pending = 0, Done = 1, Failed = 2 }

export const DEFAULT_SYNC_CAPACITY = 64 << 20;

export function createSyncReply(capacity = DEFAULT_SYNC_CAPACITY): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

/** Worker side: hands `bytes` (or a failure, when null or too large) to the waiting thread. */
export function writeSyncReply(buffer: SharedArrayBuffer, bytes: Uint8Array | null): void {
  const header = new Int32Array(buffer, 0, 2);
  if (bytes && bytes.byteLength <= buffer.byteLength - HEADER_BYTES) {
    new Uint8Array(buffer, HEADER_BYTES, bytes.byteLength).set(bytes);
    Atomics.store(header, LENGTH, bytes.byteLength);
    Atomics.store(header, STATE, SyncState.Done);
  } else {
    Atomics.store(header, STATE, SyncState.Failed);
  }
  Atomics.notify(header, STATE);
}

/** Owner side: blocks up to `timeoutMs` for the reply; null on failure or timeout. */
export function waitSyncReply(buffer: SharedArrayBuffer, timeoutMs: number): Uint8Array | null {
  const header = new Int32Array(buffer, 0, 2);
  Atomics.wait(header, STATE, SyncState.Pending, timeoutMs);
  if (Atomics.load(header, STATE) !== SyncState.Done) return null;
  return new Uint8Array(buffer, HEADER_BYTES, Atomics.load(header, LENGTH)).slice();
}
