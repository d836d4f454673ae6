// Loaded into the measured `augur plan` (node --import) by bench/scale.ts: records, with V8's GC
// profiler, the main thread's heap in use just after each full (mark-compact) collection, which
// is what the process still held live then, and writes the largest to AUGUR_BENCH_HEAP_FILE at
// exit. Peak RSS also counts the garbage V8 lets build up before it collects; this does not.
import { writeFileSync } from 'node:fs';
import { GCProfiler } from 'node:v8';

const profiler = new GCProfiler();
profiler.start();
process.on('exit', () => {
  const stats = profiler.stop()?.statistics ?? [];
  let peak = 0;
  for (const s of stats) if (s.gcType === 'MarkSweepCompact') peak = Math.max(peak, s.afterGC.heapStatistics.usedHeapSize);
  if (process.env.AUGUR_BENCH_HEAP_FILE) writeFileSync(process.env.AUGUR_BENCH_HEAP_FILE, String(peak));
});
