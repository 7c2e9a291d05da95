// `node --require hotpath/register app.js`, and what `hotpath run` puts in NODE_OPTIONS. Node
// runs `--require` preloads in the main thread, in every worker thread and (through
// NODE_OPTIONS) in child Node processes, so this one file brings every JS thread in.
//
// The profiler is an ES module. It is loaded with require() (require(esm): Node >= 20.19 and
// >= 22.12) so that profiling starts before the program's first line; a dynamic import() would
// resolve only after the program's synchronous start-up had run unprofiled (measured: a 2 s
// top-level loop was missed entirely). Older Nodes fall back to import().
try {
  require('./register.js');
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') {
    process.stderr.write(`hotpath: could not start, the program runs unprofiled: ${(error as Error).message}\n`);
  } else {
    void import('./register.js').catch((e: Error) => {
      process.stderr.write(`hotpath: could not start, the program runs unprofiled: ${e.message}\n`);
    });
  }
}
