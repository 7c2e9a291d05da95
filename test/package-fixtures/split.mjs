// A workload whose split is known: seventy() holds the CPU for 70% of the run and thirty() for
// 30%, in stretches of 70 and 30 ms (so no sampling interval aliases with them), for the
// milliseconds given (default 2000). It prints one line, the same with or without a profiler.
const ms = Number(process.argv[2] ?? 2000);
let sink = 0;
function spin(budgetMs) {
  const end = process.hrtime.bigint() + BigInt(budgetMs * 1e6);
  while (process.hrtime.bigint() < end) for (let i = 0; i < 1000; i++) sink = (sink * 31 + i) % 1000003;
}
function seventy() {
  spin(70);
}
function thirty() {
  spin(30);
}
for (let round = 0; round < ms / 100; round++) {
  seventy();
  thirty();
}
const retained = [];
for (let i = 0; i < 20000; i++) retained.push({ i, text: `row ${i}` });
console.log(`split done: ${retained.length} rows`);
if (sink === 42) console.log('');
