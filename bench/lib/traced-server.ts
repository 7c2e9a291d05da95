// The JSON service of workloads.ts traced with the OpenTelemetry SDK (sdk-trace-base, the
// AsyncLocalStorage context manager, hotpath/otel's span processor and a batch processor whose
// exporter drops the spans): each request is a root span with a child span around the
// rendering, and awaits between them, as an instrumented service's requests are.
import http from 'node:http';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ProfileSpanProcessor } from '../../src/otel.js';
import { leaf } from './workloads.js';

const dropAll: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};

export function tracedJsonServer(onRequest: () => void): http.Server {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new ProfileSpanProcessor(), new BatchSpanProcessor(dropAll)] }));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const tracer = trace.getTracer('bench');
  let n = 0;
  return http.createServer((req, res) => {
    onRequest();
    n++;
    void tracer.startActiveSpan('GET /items', async (root) => {
      await Promise.resolve();
      const body = await tracer.startActiveSpan('render', async (span) => {
        await Promise.resolve();
        const items = [];
        for (let i = 0; i < 20; i++) items.push({ id: i, name: `item-${i}`, score: leaf(i + n) });
        span.end();
        return JSON.stringify({ url: req.url, items });
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      root.end();
    });
  });
}
