// The property-based fuzz's common parts: each kind of input (configs, manifests, series) is an
// fast-check arbitrary of cases and a check that runs one case through Augur's real code and says
// what went wrong, if anything: a crash (an exception that is not the typed error that input may
// raise: a ConfigError, a ManifestError, a hold) or a violation (a broken invariant: a secret in
// an output, a file changed beyond its scalars, a proposal outside the guardrails). Every case is
// run and counted (no stop at the first failure), so a run reports how many of each it saw.
import fc from 'fast-check';

export type Failure = { kind: 'crash' | 'violation'; message: string };

export interface FuzzKind<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  /** Runs one case; undefined when every property held. */
  check: (input: T) => Promise<Failure | undefined> | Failure | undefined;
  /** A short description of a case, for the report of a failure. */
  describe: (input: T) => string;
  /** What the cases came to (e.g. verdicts), counted by the check through tally(). */
  stats?: Map<string, number>;
}

/** Counts one outcome of a case, to show what a run covered. */
export function tally(kind: { stats?: Map<string, number> }, what: string): void {
  kind.stats ??= new Map();
  kind.stats.set(what, (kind.stats.get(what) ?? 0) + 1);
}

export interface FuzzReport {
  kind: string;
  cases: number;
  crashes: number;
  violations: number;
  seconds: number;
  seed: number;
  /** What the cases came to, most frequent first. */
  stats: [string, number][];
  /** The first few failures, each with the case that caused it. */
  examples: { kind: Failure['kind']; message: string; input: string; run: number }[];
}

/** Known secret values planted in inputs: none may appear in any output. */
export const SECRETS = {
  token: 'ghp_FuzzPlantedToken0123456789abcdefABCD',
  webhook: 'whsec-fuzz-planted-webhook-s3cr3t',
  password: 'fuzz-planted-passw0rd-7731',
  bearer: 'eyJfuzz.planted.bearer-t0ken',
  alertmanager: 'am-fuzz-planted-t0ken-5521',
} as const;
/**
 * Secrets the series fuzz reads as Augur does (readSecret, which remembers each to redact it
 * everywhere): other values than SECRETS, so that a secret written in a config file is never
 * redacted only because another case happened to read the same value first.
 */
export const READ_SECRETS = {
  token: 'ghp_FuzzReadToken9876543210zyxwvuZYXW',
  bearer: 'eyJfuzz.read.bearer-t0ken',
  password: 'fuzz-read-passw0rd-4410',
  webhook: 'whsec-fuzz-read-webhook-s3cr3t',
  alertmanager: 'am-fuzz-read-t0ken-8812',
} as const;
export const SECRET_VALUES: readonly string[] = [...Object.values(SECRETS), ...Object.values(READ_SECRETS)];

/** The planted secrets found in `text`. */
export function leaked(text: string): string[] {
  return SECRET_VALUES.filter((s) => text.includes(s));
}

export const runsFromEnv = (fallback: number): number => {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

export const seedFromEnv = (): number => {
  const n = Number(process.env.FUZZ_SEED);
  return Number.isInteger(n) ? n : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
};

/** Runs `runs` cases of a kind, every one, and counts crashes and violations. */
export async function fuzz<T>(kind: FuzzKind<T>, runs: number, seed = seedFromEnv(), maxExamples = 5): Promise<FuzzReport> {
  const report: FuzzReport = { kind: kind.name, cases: 0, crashes: 0, violations: 0, seconds: 0, seed, stats: [], examples: [] };
  kind.stats = new Map();
  const started = performance.now();
  const record = (failure: Failure, input: T) => {
    if (failure.kind === 'crash') report.crashes++;
    else report.violations++;
    if (report.examples.length < maxExamples) report.examples.push({ ...failure, input: kind.describe(input), run: report.cases });
  };
  await fc.assert(
    fc.asyncProperty(kind.arbitrary, async (input) => {
      report.cases++;
      let failure: Failure | undefined;
      try {
        failure = await kind.check(input);
      } catch (err) {
        failure = { kind: 'crash', message: `the check itself threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` };
      }
      if (failure) record(failure, input);
      return true;
    }),
    { numRuns: runs, seed, endOnFailure: true },
  );
  report.seconds = (performance.now() - started) / 1000;
  report.stats = [...kind.stats.entries()].sort((a, b) => b[1] - a[1]);
  return report;
}

export function formatReport(r: FuzzReport): string {
  const head = `${r.kind.padEnd(10)} cases ${String(r.cases).padStart(6)}  crashes ${String(r.crashes).padStart(4)}  violations ${String(r.violations).padStart(4)}  ${r.seconds.toFixed(1).padStart(7)} s  (seed ${r.seed})`;
  const examples = r.examples.map((e) => `  ${e.kind} at case ${e.run}: ${e.message.split('\n').slice(0, 6).join('\n    ')}\n    input: ${e.input.slice(0, 1500).split('\n').join('\n    ')}`);
  const stats = r.stats.length > 0 ? [`  outcomes: ${r.stats.map(([k, n]) => `${k} ${n}`).join(', ')}`] : [];
  return [head, ...stats, ...examples].join('\n');
}

/** The text of an error, its class name first. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}${err.stack ? `\n${err.stack.split('\n').slice(1, 5).join('\n')}` : ''}`;
  return String(err);
}
