// Differential check of the WASM decoder against protobufjs with proto/profile.proto (the
// project's reference reader): whatever the decoder accepts, protobufjs must read too, with
// the same samples, locations, functions, mappings, labels and header fields. Where the
// decoder is lenient on purpose, the reference is not asked:
//  - strings that are not valid UTF-8 (file names from other tools can be) decode with
//    replacement characters, while protobufjs refuses them: such strings are replaced by
//    valid ones before protobufjs reads the input, and strings are compared against the
//    input's own string_table entries decoded as the decoder does;
//  - an unknown field numbered 0 is skipped like any unknown field; protobufjs refuses it;
//  - bools are not compared: protobufjs reads only the low 32 bits of a bool's varint (2^32
//    is false to it, true to the protobuf spec, to google/pprof and to the decoder).
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Profile } from '../../dist/src/profile/model.js';
import { parseMessage, writeMessage } from './mutate-pprof.js';

const root = protobuf.loadSync(fileURLToPath(new URL('../../proto/profile.proto', import.meta.url)));
const ProfileType = root.lookupType('perftools.profiles.Profile');
const utf8 = new TextDecoder('utf-8');
const strict = new TextDecoder('utf-8', { fatal: true });

function validUtf8(b: Uint8Array | undefined): boolean {
  try {
    strict.decode(b);
    return true;
  } catch {
    return false;
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Ref = any;

/** Where the decoder and the reference disagree, or null. `raw` is the decompressed input. */
export function differFromReference(raw: Uint8Array, p: Profile): string | null {
  const top = parseMessage(raw, undefined);
  if (!top) return null; // Field kinds this reader does not follow (groups): nothing to compare against.
  const strings = top.filter((f) => f.f === 6 && f.wt === 2).map((f) => utf8.decode(f.bytes));
  let forReference = raw;
  if (!top.every((f) => f.f !== 6 || f.wt !== 2 || validUtf8(f.bytes))) {
    forReference = writeMessage(top.map((f) => (f.f === 6 && f.wt === 2 ? { ...f, bytes: new TextEncoder().encode(utf8.decode(f.bytes)) } : f)));
  }
  let ref: Ref;
  try {
    ref = ProfileType.toObject(ProfileType.decode(forReference), { longs: Number, defaults: true, arrays: true });
  } catch (error) {
    if (/field number 0/.test((error as Error).message)) return null;
    return `decoded bytes that protobufjs rejects: ${(error as Error).message}`;
  }
  const s = (i: number): string | undefined => strings[i];
  const diffs: string[] = [];
  const eq = (what: string, mine: unknown, theirs: unknown): void => {
    if (diffs.length === 0 && !Object.is(mine, theirs) && !(mine === 0 && theirs === 0)) diffs.push(`${what}: decoder ${String(mine).slice(0, 60)}, protobufjs ${String(theirs).slice(0, 60)}`);
  };
  const eqList = (what: string, mine: number[], theirs: number[]): void => {
    eq(`${what} length`, mine.length, theirs.length);
    for (let i = 0; i < mine.length && i < theirs.length; i++) eq(`${what}[${i}]`, mine[i], theirs[i]);
  };

  eq('strings', strings.length, ref.stringTable.length);
  eq('sample types', p.sampleType.length, ref.sampleType.length);
  p.sampleType.forEach((t, i) => {
    eq(`sample_type[${i}].type`, t.type, s(ref.sampleType[i]?.type));
    eq(`sample_type[${i}].unit`, t.unit, s(ref.sampleType[i]?.unit));
  });
  eq('samples', p.sample.length, ref.sample.length);
  p.sample.forEach((x, i) => {
    const r = ref.sample[i] ?? { locationId: [], value: [], label: [] };
    eqList(`sample[${i}].location_id`, x.locationId, r.locationId);
    eqList(`sample[${i}].value`, x.value, r.value);
    eq(`sample[${i}] labels`, x.label.length, r.label.length);
    x.label.forEach((l, k) => {
      const rl = r.label[k] ?? {};
      eq(`sample[${i}].label[${k}].key`, l.key, s(rl.key));
      if (rl.str !== 0) eq(`sample[${i}].label[${k}].str`, l.str, s(rl.str));
      else {
        eq(`sample[${i}].label[${k}].num`, l.num, rl.num);
        eq(`sample[${i}].label[${k}].num_unit`, l.numUnit ?? '', rl.numUnit === 0 ? '' : s(rl.numUnit));
      }
    });
  });
  eq('mappings', p.mapping.length, ref.mapping.length);
  p.mapping.forEach((m, i) => {
    const r = ref.mapping[i] ?? {};
    eq(`mapping[${i}].id`, m.id, r.id);
    eq(`mapping[${i}].memory_start`, m.memoryStart, r.memoryStart);
    eq(`mapping[${i}].memory_limit`, m.memoryLimit, r.memoryLimit);
    eq(`mapping[${i}].file_offset`, m.fileOffset, r.fileOffset);
    eq(`mapping[${i}].filename`, m.filename, s(r.filename));
    eq(`mapping[${i}].build_id`, m.buildId, s(r.buildId));
  });
  eq('locations', p.location.length, ref.location.length);
  p.location.forEach((l, i) => {
    const r = ref.location[i] ?? { line: [] };
    eq(`location[${i}].id`, l.id, r.id);
    eq(`location[${i}].mapping_id`, l.mappingId, r.mappingId);
    eq(`location[${i}].address`, l.address, r.address);
    eq(`location[${i}] lines`, l.line.length, r.line.length);
    l.line.forEach((ln, k) => {
      const rl = r.line[k] ?? {};
      eq(`location[${i}].line[${k}].function_id`, ln.functionId, rl.functionId);
      eq(`location[${i}].line[${k}].line`, ln.line, rl.line);
      eq(`location[${i}].line[${k}].column`, ln.column, rl.column);
    });
  });
  eq('functions', p.function.length, ref.function.length);
  p.function.forEach((f, i) => {
    const r = ref.function[i] ?? {};
    eq(`function[${i}].id`, f.id, r.id);
    eq(`function[${i}].name`, f.name, s(r.name));
    eq(`function[${i}].system_name`, f.systemName, s(r.systemName));
    eq(`function[${i}].filename`, f.filename, s(r.filename));
    eq(`function[${i}].start_line`, f.startLine, r.startLine);
  });
  eq('drop_frames', p.dropFrames, s(ref.dropFrames));
  eq('keep_frames', p.keepFrames, s(ref.keepFrames));
  eq('time_nanos', Number(p.timeNanos), ref.timeNanos);
  eq('duration_nanos', p.durationNanos, ref.durationNanos);
  // period_type is the one singular message: protobufjs merges repeats, google/pprof and the
  // decoder keep the last; compare only when it appears once.
  if (top.filter((f) => f.f === 11).length <= 1) {
    eq('period_type.type', p.periodType.type, s(ref.periodType?.type ?? 0));
    eq('period_type.unit', p.periodType.unit, s(ref.periodType?.unit ?? 0));
  }
  eq('period', p.period, ref.period);
  eqList('comment', p.comment.map((c) => strings.indexOf(c)), ref.comment.map((c: number) => strings.indexOf(s(c)!)));
  eq('default_sample_type', p.defaultSampleType, s(ref.defaultSampleType));
  eq('doc_url', p.docUrl ?? '', ref.docUrl === 0 ? '' : s(ref.docUrl));
  return diffs[0] ?? null;
}
