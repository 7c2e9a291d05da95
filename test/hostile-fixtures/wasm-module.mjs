// A small WebAssembly module written out byte by byte: spin(n) runs a multiply-add loop n times
// and returns the result. With `name`, it carries a name section naming the function so.
function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
const vec = (bytes) => [...leb(bytes.length), ...bytes];
const str = (s) => vec([...Buffer.from(s)]);
const section = (id, bytes) => [id, ...vec(bytes)];

const I32 = 0x7f;
const body = [
  1, 1, I32,                                   // one local: acc
  0x03, 0x40,                                  // loop
  0x20, 1, 0x41, 31, 0x6c, 0x20, 0, 0x6a, 0x21, 1, //   acc = acc * 31 + n
  0x20, 0, 0x41, 1, 0x6b, 0x22, 0,             //   n = n - 1
  0x0d, 0,                                     //   br_if n != 0
  0x0b,                                        // end
  0x20, 1,                                     // acc
  0x0b,
];

export function wasmModuleBytes(name) {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 1, I32, 1, I32]),  // type: (i32) -> i32
    ...section(3, [1, 0]),                     // one function of that type
    ...section(7, [1, ...str('spin'), 0, 0]),  // exported as spin
    ...section(10, [1, ...vec(body)]),
    ...(name ? section(0, [...str('name'), ...section(1, [1, 0, ...str(name)])]) : []),
  ]);
}
