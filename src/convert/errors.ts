/** Input that is not what a converter expects: the message says what is wrong, in one line. */
export class ConvertError extends Error {
  override name = 'ConvertError';
}
