// The property-based fuzz inside npm test: a few hundred cases of each kind (npm run fuzz runs
// 10,000 each). A fixed seed, so that CI runs the same cases every time; FUZZ_SEED and
// FUZZ_TEST_RUNS change them. A failure prints the case and the seed to replay it with.
import { describe, expect, it } from 'vitest';
import { configKind } from './configs.js';
import { formatReport, fuzz, type FuzzKind } from './harness.js';
import { manifestKind } from './manifests.js';
import { seriesKind } from './series.js';

const SEED = Number.isInteger(Number(process.env.FUZZ_SEED)) && process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_261_206;
const scale = Number(process.env.FUZZ_TEST_RUNS) > 0 ? Number(process.env.FUZZ_TEST_RUNS) / 300 : 1;

describe('property-based fuzz (a few hundred cases per kind; npm run fuzz runs 10,000)', () => {
  it.each([
    [configKind, 600],
    [manifestKind, 300],
    [seriesKind, 400],
  ] as [FuzzKind<unknown>, number][])('$name: no crash, no violation', async (kind, runs) => {
    const report = await fuzz(kind, Math.round(runs * scale), SEED);
    expect(report.cases).toBe(Math.round(runs * scale));
    expect({ crashes: report.crashes, violations: report.violations }, formatReport(report)).toEqual({ crashes: 0, violations: 0 });
  }, 120_000);
});
