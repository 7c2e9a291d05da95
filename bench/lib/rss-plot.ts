// An SVG line chart of RSS curves (minutes on x, MB on y), one colour per series, for
// bench/RESULTS.md. Plain SVG text: no plotting dependency for one chart.

export interface Curve {
  label: string;
  /** Curves of one series share a colour (the same configuration in every round). */
  series: string;
  points: { x: number; y: number }[];
}

const COLOURS = ['#7f7f7f', '#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
const W = 760;
const H = 380;
const M = { left: 56, right: 190, top: 34, bottom: 42 };

function ticks(lo: number, hi: number, n: number): number[] {
  const raw = (hi - lo) / n;
  const step = [1, 2, 5, 10].map((k) => k * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(6));
  return out;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function rssPlot(curves: Curve[], title: string): string {
  const pts = curves.flatMap((c) => c.points).filter((p) => Number.isFinite(p.y));
  const xMax = Math.max(...pts.map((p) => p.x), 1e-3);
  const yLo = Math.floor(Math.min(...pts.map((p) => p.y)) / 10) * 10;
  const yHi = Math.ceil(Math.max(...pts.map((p) => p.y)) / 10) * 10 || yLo + 10;
  const px = (x: number): number => M.left + (x / xMax) * (W - M.left - M.right);
  const py = (y: number): number => H - M.bottom - ((y - yLo) / (yHi - yLo)) * (H - M.top - M.bottom);
  const series = [...new Set(curves.map((c) => c.series))];
  const colour = (s: string): string => COLOURS[series.indexOf(s) % COLOURS.length]!;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="20" font-size="14">${esc(title)}</text>`,
  ];
  for (const t of ticks(yLo, yHi, 6)) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${M.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  for (const t of ticks(0, xMax, 8)) {
    out.push(`<text x="${px(t).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">minutes</text>`);
  out.push(`<text x="14" y="${(M.top + H - M.bottom) / 2}" transform="rotate(-90 14 ${(M.top + H - M.bottom) / 2})" text-anchor="middle">RSS, MB</text>`);
  out.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#999"/>`);
  for (const c of curves) {
    const d = c.points.filter((p) => Number.isFinite(p.y)).map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${colour(c.series)}" stroke-width="1.5" stroke-opacity="0.8"><title>${esc(c.label)}</title></path>`);
  }
  series.forEach((s, i) => {
    const y = M.top + 10 + i * 18;
    out.push(`<line x1="${W - M.right + 12}" x2="${W - M.right + 36}" y1="${y}" y2="${y}" stroke="${colour(s)}" stroke-width="2"/>`);
    out.push(`<text x="${W - M.right + 42}" y="${y + 4}">${esc(s)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
