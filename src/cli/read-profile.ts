// Loads a pprof file for a command, turning every failure into one line that names the file.
import { readFileSync, statSync } from 'node:fs';
import { decodeProfile } from '../profile/index.js';
import type { Profile } from '../profile/model.js';
import { CliError, cannotRead } from './errors.js';

/** Files above this are refused before reading: a profile this large is not a profile. */
const MAX_FILE_BYTES = 1 << 30;

export function readProfileFile(path: string): Profile {
  let bytes: Uint8Array;
  try {
    const size = statSync(path).size;
    if (size > MAX_FILE_BYTES) throw new CliError(`${path}: file is ${size} bytes, larger than the 1 GiB limit`);
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw cannotRead(path, error);
  }
  try {
    return decodeProfile(bytes);
  } catch (error) {
    throw new CliError(`${path}: not a readable pprof profile: ${(error as Error).message}`);
  }
}
