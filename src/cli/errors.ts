/** An error the user caused (bad flag, unreadable file): printed as one line, exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
}
