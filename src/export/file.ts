// Profiles as files: `<service>.<kind>.<pid>.<YYYYMMDDTHHMMSSZ>.pb.gz` in one directory.
//
// Atomic: bytes go to a hidden temporary name in the same directory
// (`.<final name>.<pid>.<random>.tmp`), are synced, and only then renamed to the final name. A
// reader never sees half a file and a process killed mid-write (even SIGKILL) leaves nothing
// under a final name; its temporary file is removed by the next exporter that starts in that
// directory (once its pid is gone, or after an hour).
//
// A write that fails (read-only or full disk, no permission) counts the profile as failed and
// is logged once per error code; the application never sees it.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, promises as fsp, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { errText, QueuedExporter, type Outcome, type QueueOptions } from './queue.js';
import type { ProfileExport } from './types.js';

export interface FileExporterOptions extends QueueOptions {
  dir: string;
  service: string;
  /** Write size per call, so a large profile never holds a threadpool thread for long. */
  chunkSize?: number;
  /** Age past which a temporary file is stale even if its pid seems alive (pid reuse). */
  staleTempMs?: number;
}

const TEMP = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/;

/** `20260125T081323Z` */
export function compactUtc(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** Keeps a name safe in a file name on every OS. */
export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'node';
}

export function profileFileName(service: string, kind: string, pid: number, start: Date): string {
  return `${safeName(service)}.${safeName(kind)}.${pid}.${compactUtc(start)}.pb.gz`;
}

/**
 * Temporary files this thread is writing. A process that ends (process.exit, a fatal error)
 * while an asynchronous write is under way never finishes it: one `exit` listener for the
 * module removes what is left, so no partial file stays behind.
 */
const writing = new Set<string>();
let exitHooked = false;

function startWriting(tmp: string): void {
  writing.add(tmp);
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const path of writing) {
      try {
        unlinkSync(path);
      } catch {
        // never created, or already gone
      }
    }
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class FileExporter extends QueuedExporter {
  readonly name = 'file';
  readonly dir: string;
  private readonly service: string;
  private readonly chunkSize: number;
  private readonly staleTempMs: number;
  private readonly ready: Promise<void>;
  /** Final paths this exporter wrote, for tests and the CLI summary (bounded). */
  readonly written: string[] = [];

  constructor(options: FileExporterOptions) {
    super({ maxQueue: options.maxQueue ?? 32 });
    this.dir = options.dir;
    this.service = options.service;
    this.chunkSize = Math.max(4096, options.chunkSize ?? 1 << 20);
    this.staleTempMs = options.staleTempMs ?? 3_600_000;
    this.ready = this.cleanStaleTemps();
  }

  /** Removes temporary files left by processes that died mid-write. Never throws. */
  private async cleanStaleTemps(): Promise<void> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch {
      return; // no directory yet: nothing stale
    }
    const now = Date.now();
    await Promise.all(names.map(async (name) => {
      const m = TEMP.exec(name);
      if (!m) return;
      const pid = Number(m[1]);
      const path = join(this.dir, name);
      try {
        if (pid === process.pid) return; // ours: maybe being written right now
        if (pidAlive(pid)) {
          const st = await fsp.stat(path);
          if (now - st.mtimeMs < this.staleTempMs) return;
        }
        await fsp.unlink(path);
      } catch {
        // gone already, or not ours to delete
      }
    }));
  }

  protected async deliver(profiles: readonly ProfileExport[]): Promise<Outcome> {
    await this.ready;
    const p = profiles[0];
    const base = profileFileName(this.service, p.kind, process.pid, p.start);
    const tmp = join(this.dir, `.${base}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    startWriting(tmp);
    try {
      await fsp.mkdir(this.dir, { recursive: true });
      const fh = await fsp.open(tmp, 'wx', 0o644);
      try {
        for (let off = 0; off < p.bytes.byteLength; off += this.chunkSize) {
          const end = Math.min(off + this.chunkSize, p.bytes.byteLength);
          let pos = off;
          while (pos < end) {
            const { bytesWritten } = await fh.write(p.bytes, pos, end - pos, pos);
            pos += bytesWritten;
          }
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      const final = await this.freeName(base);
      await fsp.rename(tmp, final);
      writing.delete(tmp);
      if (this.written.length >= 1000) this.written.shift();
      this.written.push(final);
      return 'exported';
    } catch (err) {
      await fsp.unlink(tmp).catch(() => {});
      writing.delete(tmp);
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      this.noteError(`file:${code}`, `cannot write profiles to ${this.dir}: ${errText(err)}`);
      return 'failed';
    }
  }

  /** The same steps as deliver(), synchronously: for the last profiles at `process.exit()`. */
  exportSync(profiles: readonly ProfileExport[]): void {
    for (const p of profiles) {
      // Nothing to write: an empty file would look like a profile and be none.
      if (!p?.bytes || p.bytes.byteLength === 0) continue;
      const base = profileFileName(this.service, p.kind, process.pid, p.start);
      const tmp = join(this.dir, `.${base}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        mkdirSync(this.dir, { recursive: true });
        const fd = openSync(tmp, 'wx', 0o644);
        try {
          for (let pos = 0; pos < p.bytes.byteLength;) pos += writeSync(fd, p.bytes, pos, p.bytes.byteLength - pos);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        const stem = base.slice(0, -'.pb.gz'.length);
        let final = join(this.dir, base);
        for (let i = 2; existsSync(final); i++) final = join(this.dir, `${stem}-${i}.pb.gz`);
        renameSync(tmp, final);
        this.counters.exported++;
        if (this.written.length >= 1000) this.written.shift();
        this.written.push(final);
      } catch (err) {
        try {
          unlinkSync(tmp);
        } catch {
          // never created
        }
        this.counters.failed++;
        this.noteError(`file:${(err as NodeJS.ErrnoException).code ?? 'error'}`, `cannot write profiles to ${this.dir}: ${errText(err)}`);
      }
    }
  }

  /** The final path, with `-2`, `-3`... before `.pb.gz` if a profile of that second exists. */
  private async freeName(base: string): Promise<string> {
    const stem = base.slice(0, -'.pb.gz'.length);
    for (let i = 1; ; i++) {
      const path = join(this.dir, i === 1 ? base : `${stem}-${i}.pb.gz`);
      try {
        await fsp.access(path);
      } catch {
        return path;
      }
    }
  }
}
