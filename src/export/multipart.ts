// multipart/form-data bodies, built by hand: the format is a few lines of framing (RFC 7578),
// a dependency would add more code than it saves, and a plain Buffer body avoids the
// FormData/Blob path of fetch (a stream per part, and a known Blob.stream() leak on some
// Node 24 releases). The body is built once per upload and reused by every retry.

import { randomBytes } from 'node:crypto';

export interface Part {
  /** Form field name. */
  name: string;
  /** Present for file parts. */
  filename?: string;
  /** Defaults to application/octet-stream for file parts, none for plain fields. */
  contentType?: string;
  data: Uint8Array | string;
}

export interface MultipartBody {
  body: Buffer;
  /** The Content-Type header value, with the boundary. */
  contentType: string;
  boundary: string;
}

/** Quotes a name for Content-Disposition the way browsers do (HTML spec: ", CR and LF escaped). */
function quote(s: string): string {
  return '"' + s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A') + '"';
}

export function buildMultipart(parts: readonly Part[]): MultipartBody {
  // 32 random hex digits cannot plausibly occur inside a gzip stream or our JSON.
  const boundary = 'hotpath-' + randomBytes(16).toString('hex');
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name=${quote(part.name)}`;
    if (part.filename !== undefined) head += `; filename=${quote(part.filename)}`;
    head += '\r\n';
    const type = part.contentType ?? (part.filename !== undefined ? 'application/octet-stream' : undefined);
    if (type) head += `Content-Type: ${type}\r\n`;
    head += '\r\n';
    chunks.push(Buffer.from(head, 'utf8'));
    chunks.push(typeof part.data === 'string'
      ? Buffer.from(part.data, 'utf8')
      : Buffer.from(part.data.buffer, part.data.byteOffset, part.data.byteLength));
    chunks.push(Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}`, boundary };
}
