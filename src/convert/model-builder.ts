// Builds the decoded profile model (src/profile/model.ts) from frames, the way the converters
// need it: functions keyed by (name, file, start line), one location per (function, line),
// samples with the same stack and labels summed. Ids are dense and start at 1.
import type { Label, Location, Profile, ProfileFunction, Sample, ValueType } from '../profile/model.js';
import { ConvertError } from './errors.js';

export interface BuilderFrame {
  name: string;
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  column?: number;
  /** 1-based line where the function starts; 0 when unknown. */
  startLine?: number;
}

export class ModelBuilder {
  private readonly functions: ProfileFunction[] = [];
  private readonly functionIds = new Map<string, number>();
  private readonly locations: Location[] = [];
  private readonly locationIds = new Map<string, number>();
  private readonly samples: Sample[] = [];
  private readonly sampleIndex = new Map<string, Sample>();

  constructor(
    private readonly sampleType: ValueType[],
    private readonly periodType: ValueType = { type: '', unit: '' },
    private readonly period = 0,
  ) {}

  location(frame: BuilderFrame): number {
    const startLine = frame.startLine ?? 0;
    const fkey = `${frame.name}\u0000${frame.file}\u0000${startLine}`;
    let functionId = this.functionIds.get(fkey);
    if (functionId === undefined) {
      functionId = this.functions.length + 1;
      this.functions.push({ id: functionId, name: frame.name, systemName: frame.name, filename: frame.file, startLine });
      this.functionIds.set(fkey, functionId);
    }
    const column = frame.column ?? 0;
    const lkey = `${functionId}:${frame.line}:${column}`;
    let locationId = this.locationIds.get(lkey);
    if (locationId === undefined) {
      locationId = this.locations.length + 1;
      this.locations.push({ id: locationId, mappingId: 0, address: 0, line: [{ functionId, line: frame.line, column }], isFolded: false });
      this.locationIds.set(lkey, locationId);
    }
    return locationId;
  }

  /** Adds values to the sample with this stack (location ids, leaf first) and labels. */
  addSample(locationIds: number[], values: number[], labels: Label[] = []): void {
    if (values.length !== this.sampleType.length) {
      throw new Error(`sample has ${values.length} values for ${this.sampleType.length} sample types`);
    }
    // Finite values can still add up to Infinity (1e308 twice), which no profile can hold.
    if (!values.every(Number.isFinite)) throw new ConvertError(`a sample value is ${values.find((v) => !Number.isFinite(v))}, not a finite number`);
    const key = `${locationIds.join(',')}|${labels.map((l) => `${l.key}=${l.str ?? ''}#${l.num ?? ''}${l.numUnit ?? ''}`).join(',')}`;
    const existing = this.sampleIndex.get(key);
    if (existing) {
      for (let i = 0; i < values.length; i++) {
        existing.value[i] += values[i];
        if (!Number.isFinite(existing.value[i])) throw new ConvertError(`the ${this.sampleType[i].type} values of one stack add up past the largest finite number`);
      }
      return;
    }
    const sample: Sample = { locationId: [...locationIds], value: [...values], label: labels.map((l) => ({ ...l })) };
    this.samples.push(sample);
    this.sampleIndex.set(key, sample);
  }

  profile(extra: { timeNanos?: bigint; durationNanos?: number; comment?: string[]; defaultSampleType?: string } = {}): Profile {
    return {
      sampleType: this.sampleType.map((t) => ({ ...t })),
      sample: this.samples,
      mapping: [],
      location: this.locations,
      function: this.functions,
      dropFrames: '',
      keepFrames: '',
      timeNanos: extra.timeNanos ?? 0n,
      durationNanos: extra.durationNanos ?? 0,
      periodType: { ...this.periodType },
      period: this.period,
      comment: extra.comment ?? [],
      defaultSampleType: extra.defaultSampleType ?? '',
    };
  }
}
