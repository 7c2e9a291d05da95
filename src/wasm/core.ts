// Loads the WASM core (assembly/) and wraps one instance. No Node built-ins: the bytes are
// embedded as base64 (src/wasm/bytes.generated.ts, written by scripts/embed-wasm.mjs), so
// this works the same in Node, worker threads and browsers.
//
// Compiling: `initWasm()` compiles asynchronously (required on a browser's main thread,
// where synchronous compilation is limited to 4 KB). Without it, the first synchronous use
// compiles with `new WebAssembly.Module`, which is fine in Node and in workers.
import { WASM_BASE64 } from './bytes.generated.js';

/** The raw exports of assembly/index.ts. Pointers are byte offsets into memory. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  init(nTypes: number): void;
  resetAll(): void;
  scratch(n: number): number;
  alloc(n: number): number;
  internString(p: number, n: number): number;
  stringCount(): number;
  internMapping(p: number): number;
  internFunction(p: number): number;
  internLocation(p: number, nLines: number): number;
  internLabelSet(p: number, n: number): number;
  addSamples(ints: number, nInts: number, vals: number, n: number): number;
  sampleCount(): number;
  addSampleType(type: number, unit: number): void;
  setPeriodType(type: number, unit: number): void;
  setPeriod(v: number): void;
  setTimeNanos(v: bigint): void;
  setDurationNanos(v: number): void;
  addComment(s: number): void;
  setStringField(which: number, s: number): void;
  encode(): number;
  encodedLength(): number;
  gzipEncoded(level: number): number;
  gzipBytes(p: number, n: number, level: number): number;
  gzipLength(): number;
  decode(p: number, n: number): void;
  tablePtr(kind: number): number;
  tableLen(kind: number): number;
  decodedTimeNanos: WebAssembly.Global;
}

/** An `abort` from the WASM core: its message is one of assembly/errors.ts, with context. */
export class WasmAbort extends Error {
  override name = 'WasmAbort';
}

let compiled: WebAssembly.Module | undefined;
let compiling: Promise<WebAssembly.Module> | undefined;

function wasmBytes(): Uint8Array {
  const bin = atob(WASM_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Compiles the WASM core asynchronously. Call once before synchronous use in browsers. */
export function initWasm(): Promise<void> {
  if (compiled) return Promise.resolve();
  compiling ??= WebAssembly.compile(wasmBytes() as Uint8Array<ArrayBuffer>).then((m) => (compiled = m));
  return compiling.then(() => undefined);
}

function moduleSync(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(wasmBytes() as Uint8Array<ArrayBuffer>);
  return compiled;
}

/** One instance of the core, with typed-array views that follow memory growth. */
export class Core {
  readonly x: CoreExports;
  private buffer: ArrayBuffer;
  private _u8: Uint8Array;
  private _i32: Int32Array;
  private _f64: Float64Array;

  constructor() {
    let self: Core | undefined;
    const instance = new WebAssembly.Instance(moduleSync(), {
      env: {
        abort: (msg: number, _file: number, _line: number, _col: number) => {
          throw new WasmAbort(self ? self.readAsString(msg) : 'abort');
        },
      },
    });
    this.x = instance.exports as unknown as CoreExports;
    self = this;
    this.buffer = this.x.memory.buffer;
    this._u8 = new Uint8Array(this.buffer);
    this._i32 = new Int32Array(this.buffer);
    this._f64 = new Float64Array(this.buffer);
  }

  // Views are refreshed only when memory has grown: growth detaches the old ArrayBuffer, so its
  // views read as empty. Cheaper than comparing memory.buffer (a host call) on every access.
  private refresh(): void {
    this.buffer = this.x.memory.buffer;
    this._u8 = new Uint8Array(this.buffer);
    this._i32 = new Int32Array(this.buffer);
    this._f64 = new Float64Array(this.buffer);
  }

  get u8(): Uint8Array {
    if (this._u8.byteLength === 0) this.refresh(); // memory.grow detached the old buffer
    return this._u8;
  }

  get i32(): Int32Array {
    if (this._u8.byteLength === 0) this.refresh(); // memory.grow detached the old buffer
    return this._i32;
  }

  get f64(): Float64Array {
    if (this._u8.byteLength === 0) this.refresh(); // memory.grow detached the old buffer
    return this._f64;
  }

  /** Reads an AssemblyScript string (UTF-16, byte length at ptr - 4). */
  readAsString(ptr: number): string {
    if (!ptr) return 'abort';
    const u8 = this.u8;
    const bytes = new DataView(u8.buffer).getUint32(ptr - 4, true);
    let s = '';
    const u16 = new Uint16Array(u8.buffer, ptr, bytes >>> 1);
    for (let i = 0; i < u16.length; i += 1024) s += String.fromCharCode(...u16.subarray(i, i + 1024));
    return s;
  }
}
