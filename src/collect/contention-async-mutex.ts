// async-mutex (Mutex, Semaphore, withTimeout, runExclusive), instrumented when the application
// uses it, without hotpath depending on it.
//
// How: the package is resolved from the application's directory (the current directory and the
// main module's), its CommonJS build (lib/) is required and its ES module build (index.mjs)
// imported (the same module instances the application gets: Node caches both), and three
// things on each build's Semaphore.prototype are replaced; Mutex, withTimeout and runExclusive
// all go through a Semaphore, so nothing else is touched. Prototype methods also reach the
// instances made before the collector started. Put back at stop.
//   - acquire(): a sampled acquire gets a reaction on the promise acquire() returns (the same
//     promise goes back to the caller, so its own reactions run exactly as before); when it
//     settles, the wait is recorded and a hold starts.
//   - release(): pairs with the oldest sampled hold of that semaphore still open.
//   - `_queue`: the constructor's `this._queue = []` goes through an accessor on the prototype
//     that turns it back into a plain own property and keeps a structured stack of the
//     creation (about 1-2 µs per new Mutex/Semaphore), so `lock name` is where the lock was
//     created: the first frame outside async-mutex and tslib. Locks made before the collector
//     started are named where they are first acquired.
// A release reached only through library frames (runExclusive's finally) gets the stack of its
// acquire.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { captureSites, nowNs, state } from './contention-state.js';
import { captureHolder, sitesOfHolder, siteWhere } from './event-recorder.js';
import type { CallSiteLike } from './event-recorder.js';
import { logOnce } from '../common/log.js';

interface SemaphoreProto {
  acquire(this: object, ...args: unknown[]): Promise<unknown>;
  release(this: object, ...args: unknown[]): void;
}
type SemaphoreClass = { prototype: SemaphoreProto };

interface Hold {
  start: number;
  scale: number;
  name: string;
  sites: readonly CallSiteLike[];
}

const INTERNAL = /[\\/]node_modules[\\/](async-mutex|tslib)[\\/]/;
const internal = (file: string): boolean => INTERNAL.test(file) || file === '';

const created = new WeakMap<object, { stack?: unknown }>();
const lockNames = new WeakMap<object, string>();
const holds = new WeakMap<object, Hold[]>();
const patched: { proto: SemaphoreProto; acquire: SemaphoreProto['acquire']; release: SemaphoreProto['release']; queue?: PropertyDescriptor }[] = [];
let generation = 0;

function nameOf(sem: object, acquireSites: readonly CallSiteLike[]): string {
  let name = lockNames.get(sem);
  if (name !== undefined) return name;
  const holder = created.get(sem);
  const sites = holder ? sitesOfHolder(holder) : acquireSites;
  const user = sites.find((s) => !internal(s.getFileName() ?? ''));
  name = user ? siteWhere(user) : '(async-mutex lock)';
  if (!holder) name += ' (first acquired here)';
  lockNames.set(sem, name);
  created.delete(sem);
  return name;
}

function patch(Semaphore: SemaphoreClass): void {
  const proto = Semaphore.prototype;
  if (patched.some((p) => p.proto === proto)) return;
  const acquire = proto.acquire;
  const release = proto.release;
  const queue = Object.getOwnPropertyDescriptor(proto, '_queue');
  patched.push({ proto, acquire, release, queue });

  proto.acquire = function acquireSampled(this: object, ...args: unknown[]) {
    const s = state;
    if (s === null || --s.countdown > 0) return acquire.apply(this, args);
    s.countdown = s.next();
    const scale = s.scale;
    const t0 = nowNs();
    const p = acquire.apply(this, args);
    try {
      const sites = captureSites(acquireSampled);
      const name = nameOf(this, sites);
      const sem = this;
      p.then(() => {
        const st = state;
        if (st === null) return;
        const t = nowNs();
        st.acquire(name, t - t0, sites, scale, internal);
        let list = holds.get(sem);
        if (!list) {
          list = [];
          holds.set(sem, list);
        }
        if (list.length < 1024) list.push({ start: nowNs(), scale, name, sites });
      }, () => {});
    } catch {
      // never turn the profiler's trouble into the application's
    }
    return p;
  };

  proto.release = function releaseSampled(this: object, ...args: unknown[]) {
    const r = release.apply(this, args);
    const list = holds.get(this);
    if (list === undefined || list.length === 0) return r;
    const h = list.shift()!;
    const s = state;
    if (s !== null) {
      try {
        s.release(h.name, nowNs() - h.start, captureSites(releaseSampled), h.scale, internal, h.sites);
      } catch {
        // as above
      }
    }
    return r;
  };

  if (queue === undefined) {
    const setQueue = function setQueue(this: object, v: unknown): void {
      Object.defineProperty(this, '_queue', { value: v, writable: true, enumerable: true, configurable: true });
      if (state !== null) created.set(this, captureHolder(setQueue));
    };
    Object.defineProperty(proto, '_queue', {
      configurable: true,
      get(): undefined {
        return undefined;
      },
      set: setQueue,
    });
  }
}

function candidates(): string[] {
  const dirs = new Set<string>([process.cwd()]);
  const main = process.argv[1];
  if (main) dirs.add(path.dirname(path.resolve(main)));
  return [...dirs];
}

/**
 * Finds async-mutex from the application's directories and instruments it (the ES module build
 * a moment later: import() is asynchronous). Returns what was found, for the profile's comments.
 */
export function installAsyncMutex(): string[] {
  const found: string[] = [];
  const gen = ++generation;
  for (const dir of candidates()) {
    let pkgJson: string;
    try {
      pkgJson = createRequire(path.join(dir, 'noop.js')).resolve('async-mutex/package.json');
    } catch {
      continue;
    }
    const root = path.dirname(pkgJson);
    if (found.includes(root)) continue;
    found.push(root);
    try {
      const req = createRequire(pkgJson);
      const cjs = req(path.join(root, 'lib', 'index.js')) as { Semaphore?: SemaphoreClass };
      if (cjs.Semaphore) patch(cjs.Semaphore);
    } catch (e) {
      logOnce('async-mutex-cjs', `contention: could not instrument async-mutex (CommonJS) at ${root}: ${(e as Error).message}`);
    }
    const esm = path.join(root, 'index.mjs');
    // The ES module build, synchronously where Node can require() an ES module (20.19+, 22.12+;
    // the same instance import() gives): an asynchronous import() in a worker terminated before
    // it finished (busy in synchronous code) leaked the file descriptor it was reading with.
    let loaded = false;
    try {
      const m = createRequire(pkgJson)(esm) as { Semaphore?: SemaphoreClass };
      if (m.Semaphore) patch(m.Semaphore);
      loaded = true;
    } catch {
      // no ES module build in this version, or no require(esm) here: import() below
    }
    if (!loaded) {
      import(pathToFileURL(esm).href).then((m: { Semaphore?: SemaphoreClass }) => {
        if (gen === generation && m.Semaphore) patch(m.Semaphore);
      }, () => { /* no ES module build in this version */ });
    }
  }
  return found;
}

export function uninstallAsyncMutex(): void {
  generation++;
  for (const p of patched.splice(0)) {
    p.proto.acquire = p.acquire;
    p.proto.release = p.release;
    if (p.queue === undefined) delete (p.proto as unknown as Record<string, unknown>)._queue;
    else Object.defineProperty(p.proto, '_queue', p.queue);
  }
}
