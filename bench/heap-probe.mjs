// Loaded into the measured `augur plan` (node --import) by bench/scale.ts: records the main
// thread's heap in use just after each full (mark-compact) collection, which is what the process
// still holds live then, and writes the largest to AUGUR_BENCH_HEAP_FILE at exit. Peak RSS also
// counts the garbage V8 lets build up before it collects; this does not.
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

let peak = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) peak = Math.max(peak, getHeapStatistics().used_heap_size);
}).observe({ entryTypes: ['gc'] });
process.on('exit', () => {
  if (process.env.AUGUR_BENCH_HEAP_FILE) writeFileSync(process.env.AUGUR_BENCH_HEAP_FILE, String(peak));
});
