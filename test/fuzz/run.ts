// npm run fuzz: every kind of input at FUZZ_RUNS cases (default 10,000), each printed with its
// cases, crashes, violations and seconds; exit 1 when any kind saw a crash or a violation.
// FUZZ_SEED replays a run; FUZZ_KINDS=configs,series runs only those kinds.
import { configKind } from './configs.js';
import { formatReport, fuzz, runsFromEnv, seedFromEnv, type FuzzKind, type FuzzReport } from './harness.js';
import { manifestKind } from './manifests.js';
import { seriesKind } from './series.js';

const runs = runsFromEnv(10_000);
const seed = seedFromEnv();
const only = process.env.FUZZ_KINDS?.split(',').map((s) => s.trim()).filter(Boolean);
const kinds = [configKind, manifestKind, seriesKind] as FuzzKind<unknown>[];
const reports: FuzzReport[] = [];
console.log(`augur fuzz: ${runs} cases per kind, seed ${seed}`);
for (const kind of kinds) {
  if (only && !only.includes(kind.name)) continue;
  const report = await fuzz(kind, runs, seed);
  reports.push(report);
  console.log(formatReport(report));
}
const failed = reports.filter((r) => r.crashes + r.violations > 0);
console.log(failed.length === 0 ? 'fuzz: 0 crashes, 0 violations' : `fuzz: FAILED (${failed.map((r) => r.kind).join(', ')}); replay with FUZZ_SEED=${seed}`);
process.exit(failed.length === 0 ? 0 : 1);
