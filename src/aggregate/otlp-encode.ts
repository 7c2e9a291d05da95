// One period's pprof profiles (every kind) as one OpenTelemetry ExportProfilesServiceRequest,
// gzipped: one dictionary shared by all of them, one Profile per sample type (OTLP profiles have
// one value per sample), the resource's attributes and hotpath as the instrumentation scope.
// Every dictionary table starts with its zero value, as the specification requires
// (src/aggregate/otlp-schema.ts names the revision).
//
// pprof labels become dictionary attributes; the thread labels take the OpenTelemetry names
// (`thread id` -> `thread.id` as an integer, `thread name` -> `thread.name`). A sample's span
// context (`trace_id` and `active_span_id`, src/aggregate/stack-batch.ts) becomes its link in
// the link table instead; `span_id` and `span_name` (its local root span) stay attributes. A
// pprof sample with a zero value for a sample type is left out of that type's Profile.
import { randomBytes } from 'node:crypto';
import protobuf from 'protobufjs';
import { decodeProfile } from '../profile/decode.js';
import { gzip } from '../profile/gzip.js';
import type { Label, Profile } from '../profile/model.js';
import type { OtlpPeriod, ResourceValue } from '../transport/convert-protocol.js';
import { OTLP_PROFILES_SCHEMA } from './otlp-schema.js';
import { SPAN_LABELS } from '../common/span-labels.js';

const root = protobuf.parse(OTLP_PROFILES_SCHEMA, { keepCase: true }).root;
export const ExportRequest = root.lookupType('otlp.ExportProfilesServiceRequest');
export const ExportResponse = root.lookupType('otlp.ExportProfilesServiceResponse');

/** The labels that make a sample's link (trace id, active span id), not attributes. */
const LINK_TRACE = SPAN_LABELS.trace;
const LINK_SPAN = SPAN_LABELS.active;

/** pprof thread labels under their OpenTelemetry names; an integer where the value is one. */
const RENAMED: Record<string, { key: string; int: boolean }> = {
  'thread id': { key: 'thread.id', int: true },
  'thread name': { key: 'thread.name', int: false },
};

type AnyValue = { string_value: string } | { int_value: number } | { bool_value: boolean } | { double_value: number };

function anyValue(v: ResourceValue): AnyValue {
  if (typeof v === 'boolean') return { bool_value: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { int_value: v } : { double_value: v };
  return { string_value: v };
}

/** Interns entries by a key: index 0 is the zero value the table starts with. */
class Table<T> {
  readonly rows: T[];
  private readonly index = new Map<string, number>();
  constructor(zero: T) {
    this.rows = [zero];
  }
  intern(key: string, make: () => T): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.rows.push(make()) - 1;
      this.index.set(key, i);
    }
    return i;
  }
}

class Dictionary {
  readonly strings = new Table<string>('');
  readonly functions = new Table<object>({});
  readonly locations = new Table<object>({});
  readonly mappings = new Table<object>({});
  readonly stacks = new Table<object>({});
  readonly attributes = new Table<object>({});
  // No trace context: the zero link, in the 16- and 8-byte form the specification prefers.
  readonly links = new Table<object>({ trace_id: new Uint8Array(16), span_id: new Uint8Array(8) });

  str(s: string): number {
    return s === '' ? 0 : this.strings.intern(s, () => s);
  }

  attribute(l: Label): number {
    const renamed = RENAMED[l.key];
    const key = renamed?.key ?? l.key;
    let value: AnyValue;
    if (l.num !== undefined) value = { int_value: l.num };
    else if (renamed?.int && /^-?\d+$/.test(l.str ?? '')) value = { int_value: Number(l.str) };
    else value = { string_value: l.str ?? '' };
    const unit = l.numUnit ?? '';
    return this.attributes.intern(`${key}\0${JSON.stringify(value)}\0${unit}`, () => ({
      key_strindex: this.str(key), value, unit_strindex: this.str(unit),
    }));
  }

  /** Maps one decoded pprof's location ids to dictionary location indexes. */
  locationsOf(p: Profile): Map<number, number> {
    const fnIndex = new Map<number, number>();
    for (const f of p.function) {
      fnIndex.set(f.id, this.functions.intern(`${f.name}\0${f.systemName}\0${f.filename}\0${f.startLine}`, () => ({
        name_strindex: this.str(f.name), system_name_strindex: this.str(f.systemName),
        filename_strindex: this.str(f.filename), start_line: f.startLine,
      })));
    }
    const mapIndex = new Map<number, number>();
    for (const m of p.mapping) {
      mapIndex.set(m.id, this.mappings.intern(`${m.memoryStart}\0${m.memoryLimit}\0${m.fileOffset}\0${m.filename}`, () => ({
        memory_start: m.memoryStart, memory_limit: m.memoryLimit, file_offset: m.fileOffset, filename_strindex: this.str(m.filename),
      })));
    }
    const out = new Map<number, number>();
    for (const l of p.location) {
      const mapping = mapIndex.get(l.mappingId) ?? 0;
      const lines = l.line.map((ln) => ({ function_index: fnIndex.get(ln.functionId) ?? 0, line: ln.line, column: ln.column }));
      const key = `${mapping}\0${l.address}\0${lines.map((ln) => `${ln.function_index}:${ln.line}:${ln.column}`).join(',')}`;
      out.set(l.id, this.locations.intern(key, () => ({ mapping_index: mapping, address: l.address, lines })));
    }
    return out;
  }

  /** The link of a sample's labels: its trace and active span, 0 when it has none. */
  link(labels: readonly Label[]): number {
    const trace = labels.find((l) => l.key === LINK_TRACE)?.str;
    const span = labels.find((l) => l.key === LINK_SPAN)?.str;
    if (trace === undefined || span === undefined || !/^[0-9a-f]{32}$/.test(trace) || !/^[0-9a-f]{16}$/.test(span)) return 0;
    return this.links.intern(trace + span, () => ({ trace_id: Buffer.from(trace, 'hex'), span_id: Buffer.from(span, 'hex') }));
  }

  stack(locationIndexes: number[]): number {
    return this.stacks.intern(locationIndexes.join(','), () => ({ location_indices: locationIndexes }));
  }
}

/** The period as the gzipped bytes of one ExportProfilesServiceRequest. */
export function encodeOtlpRequest(period: OtlpPeriod): Uint8Array {
  const dict = new Dictionary();
  const profiles: object[] = [];
  for (const { bytes } of period.profiles) {
    const p = decodeProfile(bytes);
    const locs = dict.locationsOf(p);
    // Stacks and attributes once per pprof sample, shared by the Profiles of its sample types.
    const samples = p.sample.map((s) => ({
      stack_index: dict.stack(s.locationId.map((id) => locs.get(id) ?? 0)),
      attribute_indices: s.label.filter((l) => l.key !== LINK_TRACE && l.key !== LINK_SPAN).map((l) => dict.attribute(l)),
      link_index: dict.link(s.label),
      values: s.value,
    }));
    const periodType = { type_strindex: dict.str(p.periodType.type), unit_strindex: dict.str(p.periodType.unit) };
    p.sampleType.forEach((st, v) => {
      profiles.push({
        sample_type: { type_strindex: dict.str(st.type), unit_strindex: dict.str(st.unit) },
        samples: samples.filter((s) => s.values[v] !== 0).map((s) => ({
          stack_index: s.stack_index, attribute_indices: s.attribute_indices, link_index: s.link_index, values: [s.values[v]],
        })),
        time_unix_nano: p.timeNanos.toString(),
        duration_nano: p.durationNanos,
        period_type: periodType,
        period: p.period,
        profile_id: randomBytes(16),
      });
    });
  }
  const request = {
    resource_profiles: [{
      resource: { attributes: Object.entries(period.resource).map(([key, v]) => ({ key, value: anyValue(v) })) },
      scope_profiles: [{ scope: period.scope, profiles }],
    }],
    dictionary: {
      mapping_table: dict.mappings.rows,
      location_table: dict.locations.rows,
      function_table: dict.functions.rows,
      link_table: dict.links.rows,
      string_table: dict.strings.rows,
      attribute_table: dict.attributes.rows,
      stack_table: dict.stacks.rows,
    },
  };
  return gzip(ExportRequest.encode(request).finish());
}

/** What the collector's answer says it refused (partial_success); zero when it took everything. */
export function readPartialSuccess(body: Uint8Array): { rejected: number; message: string } {
  if (body.byteLength === 0) return { rejected: 0, message: '' };
  const r = ExportResponse.toObject(ExportResponse.decode(body), { longs: Number }) as {
    partial_success?: { rejected_profiles?: number; error_message?: string };
  };
  return { rejected: r.partial_success?.rejected_profiles ?? 0, message: r.partial_success?.error_message ?? '' };
}
