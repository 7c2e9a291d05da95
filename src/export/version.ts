// hotpath's own version, for the exporters that say who sent a profile (Datadog's
// DD-EVP-ORIGIN-VERSION and profiler_version tag, OTLP's instrumentation scope, user agents).
import { readFileSync } from 'node:fs';

export const HOTPATH_VERSION: string = (() => {
  try {
    // dist/src/export/version.js -> package.json
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
