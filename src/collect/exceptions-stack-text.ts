// Frames from the text of an `error.stack` V8 formatted ("    at fn (file:line:col)"), for
// errors hotpath did not capture itself (uncaught exceptions, unhandled rejections): their
// structured call sites cannot be read without changing what `error.stack` holds for the
// application, so the text is read instead.

export interface TextFrame {
  name: string;
  file: string;
  line: number;
  column: number;
}

const AT = /^\s*at (?:(.*?) \((.*)\)|(.*))$/;
const WHERE = /^(.*?):(\d+):(\d+)$/;

export function framesOfStackText(stack: unknown, max = 64): TextFrame[] {
  if (typeof stack !== 'string') return [];
  const out: TextFrame[] = [];
  for (const raw of stack.split('\n')) {
    const m = AT.exec(raw);
    if (!m) continue;
    let name = m[1] ?? '(anonymous)';
    let where = m[2] ?? m[3] ?? '';
    if (name.startsWith('async ')) name = name.slice(6);
    // eval frames: "eval at f (file:1:2), <anonymous>:1:1"
    const comma = where.lastIndexOf(', ');
    if (where.startsWith('eval at ') && comma >= 0) where = where.slice(comma + 2);
    const w = WHERE.exec(where);
    out.push(w ? { name, file: w[1], line: Number(w[2]), column: Number(w[3]) } : { name, file: where, line: 0, column: 0 });
    if (out.length >= max) break;
  }
  return out;
}
