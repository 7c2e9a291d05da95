// Human-readable values in the units pprof uses.

const TIME: [number, string][] = [
  [3600e9, 'h'],
  [60e9, 'min'],
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'us'],
  [1, 'ns'],
];
const BYTES: [number, string][] = [
  [2 ** 40, 'TB'],
  [2 ** 30, 'GB'],
  [2 ** 20, 'MB'],
  [2 ** 10, 'kB'],
  [1, 'B'],
];

function scaled(value: number, steps: [number, string][]): string {
  const magnitude = Math.abs(value);
  for (const [size, suffix] of steps) {
    if (magnitude >= size) return `${trim(value / size)}${suffix}`;
  }
  return `${value}${steps[steps.length - 1][1]}`;
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, '');
}

export function formatValue(value: number, unit: string): string {
  switch (unit) {
    case 'nanoseconds':
      return scaled(value, TIME);
    case 'microseconds':
      return scaled(value * 1e3, TIME);
    case 'milliseconds':
      return scaled(value * 1e6, TIME);
    case 'seconds':
      return scaled(value * 1e9, TIME);
    case 'bytes':
      return scaled(value, BYTES);
    default:
      return trim(value);
  }
}

export function percent(part: number, whole: number): string {
  return whole === 0 ? '0.00%' : `${((100 * part) / whole).toFixed(2)}%`;
}
