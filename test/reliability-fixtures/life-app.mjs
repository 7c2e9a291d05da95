// A program that ends in the way its first argument says, for the process-life tests. It works
// in short busy slices (function lifeBusy) so that its profile has something in it, prints
// "ready" once it is working, then:
//   signal          waits for a signal, with no handler of its own (dies of it)
//   signal-handler  waits for SIGTERM or SIGINT; its handler cleans up and exits with code 7
//   exit            process.exit(3) after 600 ms
//   exit-code       sets process.exitCode = 5 after 600 ms and lets the event loop empty
//   throw           throws from a timer after 600 ms (uncaught exception: exit code 1)
//   reject          rejects a promise nobody handles after 600 ms (exit code 1)
//   natural         stops working after 600 ms; the event loop empties (exit code 0)
const mode = process.argv[2] ?? 'natural';

function lifeBusy() {
  const end = performance.now() + 15;
  let x = 0;
  while (performance.now() < end) for (let i = 0; i < 20000; i++) x += Math.sqrt(x + i);
  return x;
}

const work = setInterval(lifeBusy, 20);
console.log('ready');

if (mode === 'signal') {
  // Nothing: SIGTERM or SIGINT ends it.
} else if (mode === 'signal-handler') {
  const handler = (sig) => {
    console.log(`cleanup after ${sig}`);
    clearInterval(work);
    setTimeout(() => process.exit(7), 50);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
} else {
  setTimeout(() => {
    if (mode === 'exit') process.exit(3);
    if (mode === 'exit-code') {
      clearInterval(work);
      process.exitCode = 5;
    }
    if (mode === 'throw') throw new Error('boom from the program');
    if (mode === 'reject') {
      clearInterval(work);
      Promise.reject(new Error('rejected by the program'));
    }
    if (mode === 'natural') clearInterval(work);
  }, 600);
}
