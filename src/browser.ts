// Browser entry: the pprof toolkit (WASM builder, decoder, merge, gzip) with no Node
// built-ins on any import path. Call `await initWasm()` (or ProfileBuilder.create) first
// on the main thread, where synchronous WebAssembly compilation is limited.
export * from './profile/index.js';
export { fromSelfProfilingTrace, resolveTrace, TraceFormatError, type SelfProfilingTrace, type SelfProfilingOptions } from './browser/self-profiling.js';
