import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** An error the user caused (bad flag, unreadable file): printed as one line, exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
}

/** `path: cannot read: <reason>` for a failed stat/open/read, in words rather than errno codes. */
export function cannotRead(path: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
  return new CliError(`${path}: cannot read: ${reason}`);
}

/** node:util parseArgs for a subcommand, its complaints turned into `command: ... (usage)`. */
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: T }>>;
type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends Options>(command: string, args: string[], options: T, usage?: string): Parsed<T> {
  try {
    return parseArgs({ args, allowPositionals: true, options });
  } catch (error) {
    throw new CliError(`${command}: ${(error as Error).message}${usage ? ` (${usage})` : ''}`);
  }
}
