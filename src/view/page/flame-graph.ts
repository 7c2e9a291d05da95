// The flame graph on a canvas: the root on top and callees below (an icicle, as pprof's web UI
// draws it). Click a frame to zoom to it (its ancestors stay as full-width bars above; click
// one to zoom out), hover for details, and a search colours the matching frames.
//
// A small hand-written renderer rather than a library: the tree is ours already (flame.ts), a
// canvas draws tens of thousands of frames where SVG and DOM slow down, and it needs neither
// inline styles nor eval, so the page's strict CSP stays as it is.
import { diffShare, pathTo, type FlameNode, type FlameTree } from '../flame.js';
import { formatValue, percent } from '../../report/units.js';

const ROW = 18;
const FONT = '12px system-ui, -apple-system, "Segoe UI", sans-serif';
const MIN_WIDTH = 0.5;
const MIN_TEXT = 24;
/** Canvases taller than about 32k pixels fail to draw: deeper frames are left out. */
const MAX_ROWS = 1500;

export interface DrawnFrame {
  node: FlameNode;
  x: number;
  y: number;
  w: number;
  h: number;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function frameColour(node: FlameNode): string {
  if (node.depth === 0) return '#c9c9cf';
  if (node.name.startsWith('(') && node.name.endsWith(')')) return '#b8b8c0';
  const h = hash(node.name);
  // Warm hues, as flame graphs are usually drawn; node_modules and node: internals cooler.
  const internal = node.file.startsWith('node:') || node.file.includes('/node_modules/');
  const hue = internal ? 30 + (h % 25) : 5 + (h % 40);
  const sat = internal ? 45 : 70 + ((h >>> 8) % 20);
  const light = 55 + ((h >>> 16) % 12);
  return `hsl(${hue} ${sat}% ${light}%)`;
}

export interface FlameGraphCallbacks {
  /** After every zoom change, with the zoomed node. */
  onZoom(node: FlameNode): void;
}

export class FlameGraph {
  private tree: FlameTree | null = null;
  private unit = '';
  private zoomed: FlameNode | null = null;
  private matcher: ((name: string) => boolean) | null = null;
  private drawn: DrawnFrame[] = [];
  private maxShare = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly tooltip: HTMLElement,
    private readonly callbacks: FlameGraphCallbacks,
  ) {
    canvas.addEventListener('mousemove', (e) => this.hover(e));
    canvas.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
    canvas.addEventListener('click', (e) => {
      const hit = this.hit(e);
      if (hit) this.zoom(hit.node);
    });
    window.addEventListener('resize', () => this.draw());
  }

  setTree(tree: FlameTree, unit: string): void {
    // Keep the zoom when the same path exists in the new tree (another sample type or filter).
    const path = this.zoomed ? pathTo(this.zoomed).slice(1) : [];
    this.tree = tree;
    this.unit = unit;
    let node: FlameNode = tree.root;
    for (const step of path) {
      const next = node.children.find((c) => c.name === step.name && c.file === step.file && c.total > 0);
      if (!next) break;
      node = next;
    }
    this.zoomed = node;
    this.maxShare = 0;
    if (tree.diff) {
      const visit = (n: FlameNode): void => {
        this.maxShare = Math.max(this.maxShare, Math.abs(diffShare(n, tree)));
        n.children.forEach(visit);
      };
      visit(tree.root);
    }
    this.draw();
    this.callbacks.onZoom(node);
  }

  setSearch(matcher: ((name: string) => boolean) | null): void {
    this.matcher = matcher;
    this.draw();
  }

  zoom(node: FlameNode | null): void {
    if (!this.tree) return;
    this.zoomed = node ?? this.tree.root;
    this.draw();
    this.callbacks.onZoom(this.zoomed);
  }

  get zoomNode(): FlameNode | null {
    return this.zoomed;
  }

  /** The frames drawn last, in CSS pixels of the canvas (for tests and automation). */
  frames(): DrawnFrame[] {
    return this.drawn;
  }

  draw(): void {
    const canvas = this.canvas;
    const tree = this.tree;
    const width = Math.max(200, (canvas.parentElement?.clientWidth ?? 800) - 2);
    const rows = tree ? Math.min(tree.maxDepth + 1, MAX_ROWS) : 1;
    const height = rows * ROW + 4;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext('2d');
    this.drawn = [];
    if (!ctx || !tree || !this.zoomed) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';

    const zoomed = this.zoomed;
    // Ancestors of the zoomed frame: full-width bars, drawn faded.
    for (const node of pathTo(zoomed).slice(0, -1)) this.box(ctx, node, 0, node.depth * ROW, width, true);
    const scale = zoomed.total > 0 ? width / zoomed.total : 0;
    const layout = (node: FlameNode, x: number, w: number): void => {
      if (node.depth >= MAX_ROWS) return;
      this.box(ctx, node, x, node.depth * ROW, w, false);
      let cx = x;
      for (const child of node.children) {
        const cw = child.total * scale;
        if (cw >= MIN_WIDTH) layout(child, cx, cw);
        cx += cw;
      }
    };
    layout(zoomed, 0, width);
    canvas.dataset.zoom = zoomed.name;
    canvas.dataset.frames = String(this.drawn.length);
  }

  private colour(node: FlameNode): string {
    const tree = this.tree!;
    if (this.matcher) {
      if (node.depth > 0 && this.matcher(node.name)) return '#d63af9';
      return '#dedee3';
    }
    if (tree.diff && node.depth > 0) {
      const share = diffShare(node, tree);
      if (this.maxShare === 0 || Math.abs(share) < 1e-9) return '#e8e8ec';
      const t = Math.min(1, Math.abs(share) / this.maxShare);
      const light = Math.round(92 - 42 * t);
      return share > 0 ? `hsl(2 80% ${light}%)` : `hsl(215 80% ${light}%)`;
    }
    return frameColour(node);
  }

  private box(ctx: CanvasRenderingContext2D, node: FlameNode, x: number, y: number, w: number, faded: boolean): void {
    ctx.globalAlpha = faded ? 0.55 : 1;
    ctx.fillStyle = this.colour(node);
    ctx.fillRect(x, y, Math.max(w - 0.5, 0.5), ROW - 1);
    if (w >= MIN_TEXT) {
      ctx.fillStyle = '#111';
      const label = this.fit(ctx, node.depth === 0 ? 'root' : node.name, w - 6);
      if (label) ctx.fillText(label, x + 3, y + ROW / 2);
    }
    ctx.globalAlpha = 1;
    this.drawn.push({ node, x, y, w, h: ROW - 1 });
  }

  private fit(ctx: CanvasRenderingContext2D, text: string, room: number): string {
    if (ctx.measureText(text).width <= room) return text;
    const char = ctx.measureText('m').width * 0.8;
    let n = Math.floor(room / char) - 1;
    while (n > 1) {
      const candidate = `${text.slice(0, n)}…`;
      if (ctx.measureText(candidate).width <= room) return candidate;
      n--;
    }
    return '';
  }

  private hit(e: MouseEvent): DrawnFrame | null {
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    // Later frames are deeper or to the right; a faded ancestor bar and a frame never overlap.
    for (let i = this.drawn.length - 1; i >= 0; i--) {
      const f = this.drawn[i];
      if (x >= f.x && x < f.x + f.w && y >= f.y && y < f.y + f.h) return f;
    }
    return null;
  }

  private hover(e: MouseEvent): void {
    const hit = this.hit(e);
    if (!hit || !this.tree) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.textContent = describe(hit.node, this.tree, this.unit);
    this.tooltip.hidden = false;
    const pad = 14;
    const box = this.tooltip.getBoundingClientRect();
    const left = Math.min(e.clientX + pad, window.innerWidth - box.width - 4);
    const top = e.clientY + pad + box.height > window.innerHeight ? e.clientY - box.height - pad : e.clientY + pad;
    this.tooltip.style.left = `${Math.max(4, left)}px`;
    this.tooltip.style.top = `${Math.max(4, top)}px`;
  }
}

/** The hover text of a frame: name, file:line, self and total with their shares of the whole. */
export function describe(node: FlameNode, tree: FlameTree, unit: string): string {
  const v = (n: number): string => formatValue(n, unit);
  const lines = [node.depth === 0 ? 'root (all samples)' : node.name];
  if (node.file) lines.push(node.line > 0 ? `${node.file}:${node.line}` : node.file);
  lines.push(`self:  ${v(node.self)} (${percent(node.self, tree.total)})`);
  lines.push(`total: ${v(node.total)} (${percent(node.total, tree.total)})`);
  if (tree.diff) {
    lines.push(`base self:  ${v(node.baseSelf)} (${percent(node.baseSelf, tree.baseTotal)})`);
    lines.push(`base total: ${v(node.baseTotal)} (${percent(node.baseTotal, tree.baseTotal)})`);
    const share = diffShare(node, tree);
    lines.push(`change: ${share >= 0 ? '+' : ''}${share.toFixed(2)} points of the total`);
  }
  return lines.join('\n');
}
