// What the fuzz found, each pinned as a test that failed before its fix: the cases are the fuzz's
// own (shrunk by hand to what matters) through the same real code paths.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { POLICY_DEFAULTS } from '../../src/config/schema.js';
import type { Change } from '../../src/domain/decision.js';
import { describeFlag } from '../../src/forge/explain.js';
import { describeNote } from '../../src/forge/reasons.js';
import { minChangePercent } from '../../src/guardrails/rules/minChangePercent.js';
import { clampStep } from '../../src/guardrails/steps.js';
import { READ_SECRETS, SECRETS } from './harness.js';
import { checkSeries, runSeriesCase, type SeriesCase } from './series.js';

const trace = (trace: number, offset = 10): SeriesCase['metrics']['load'] => ({ kind: 'trace', trace, offset, scale: 1, mutations: [], length: 0, staleSteps: 0 });

/** A healthy case: a real trace, capacity and requests sized from it, so that it proposes. */
const base: SeriesCase = {
  stepMinutes: 60,
  historyDays: 14,
  policy: { minReplicas: 1, maxReplicas: 50, maxCpuMilli: 8000, minCpuMilli: 10, maxMemoryMi: 32_768, minMemoryMi: 100, up: 100, down: 30, minChangePercent: 10, scaleDownOnEvidenceOnly: true, maxRawChangeFactor: 4, minAccuracy: 0 },
  perReplica: 450,
  manifest: { hpa: undefined, keda: undefined, replicas: 4, cpuRequestMilli: 250, cpuLimitMilli: undefined, memoryRequestMi: 256, memoryLimitMi: undefined, style: 'units' },
  metrics: { load: trace(1), cpu: { kind: 'absent' }, memory: { kind: 'absent' }, oomKills: { kind: 'absent' }, replicas: { kind: 'absent' } },
  match: { load: 1.6 },
};

describe('secrets an adapter echoes in an error never reach the dashboard or a PR', () => {
  it('a Prometheus error quoting the Authorization header is redacted on the dashboard and in the PR body (it was printed as is)', async () => {
    const c: SeriesCase = { ...base, metrics: { ...base.metrics, cpu: { kind: 'error', echoSecret: true }, oomKills: { kind: 'error', echoSecret: true } } };
    const { forge, report } = await runSeriesCase(c);
    expect(report.outcomes[0]!.decision?.verdict).toBe('propose');
    expect(forge.opened).toHaveLength(1);
    const texts = [forge.dashboard ?? '', forge.opened[0]!.body];
    expect(texts.join('\n')).toContain('HTTP 401 (proxy said: bad header "Authorization: Bearer (redacted)" for token (redacted))');
    for (const t of texts) for (const s of [READ_SECRETS.bearer, READ_SECRETS.token]) expect(t).not.toContain(s);
    expect(await checkSeries(c)).toBeUndefined();
  });
});

describe('the step limit and minChangePercent never propose a move that is not one', () => {
  const change = (field: Change['field'], current: number, proposed: number): Change => ({ field, current, proposed, basis: { kind: 'given' } } as unknown as Change);

  it('a value off the unit grid (1500M, 0.2504 cores) is never stepped the other way (an increase became a decrease)', () => {
    const mem = 1500e6; // 1430.5 MiB
    expect(clampStep('memory.request', mem, 2e9, { up: 0, down: 30 })).toBeGreaterThanOrEqual(mem);
    expect(clampStep('memory.request', mem, 1e9, { up: 50, down: 0 })).toBeLessThanOrEqual(mem);
    expect(clampStep('cpu.request', 0.2504, 1, { up: 0, down: 30 })).toBeGreaterThanOrEqual(0.2504);
    expect(clampStep('cpu.request', 0.2504, 0.1, { up: 50, down: 0 })).toBeLessThanOrEqual(0.2504);
    // On the grid it still moves as far as the percentage lets it.
    expect(clampStep('memory.request', 1000 * 2 ** 20, 4000 * 2 ** 20, { up: 50, down: 30 })).toBe(1500 * 2 ** 20);
  });

  it('with minChangePercent 0, a change the step limit rounded back to the current value is dropped (it was proposed as 1Mi -> 1Mi)', () => {
    const draft = { changes: [change('memory.request', 2 ** 20, 2 ** 20), change('replicas', 4, 6)], schedule: undefined };
    const out = minChangePercent.draft!(draft as never, { policy: { ...POLICY_DEFAULTS, minChangePercent: 0 } } as never);
    expect(out.draft.changes.map((c) => c.field)).toEqual(['replicas']);
    // The fuzz's case through the real cycle: a 1Mi request below a 36Mi floor, a 77 % step up: nothing to propose for memory.
    const stuck: SeriesCase = {
      ...base,
      policy: { ...base.policy, minMemoryMi: 36, up: 77, minChangePercent: 0 },
      manifest: { ...base.manifest, memoryRequestMi: 1 },
      metrics: { ...base.metrics, memory: trace(4, 2991) },
      match: { load: 1.6 },
    };
    return runSeriesCase(stuck).then(({ report }) => {
      for (const c of report.outcomes[0]!.decision!.changes) expect(c.proposed).not.toBe(c.current);
    });
  });
});

describe('numbers in a PR are finite', () => {
  it('one busy hour over other days that peaked at 0 is said in words, not as "-Infinity×" (it was)', () => {
    for (const otherDays of [0, -0]) {
      const text = describeFlag({ flag: 'oneHour', start: Date.parse('2026-12-05T12:00:00Z') / 1000, peak: 156, otherDays });
      expect(text).not.toMatch(/Infinity|NaN/);
      expect(text).toContain("peaked at 156, while no other day's peak rose above 0: one event sets the size");
    }
    expect(describeFlag({ flag: 'oneHour', start: 0, peak: 156, otherDays: 12 })).toContain("13.0× any other day's peak (12)");
  });

  it('a high quantile peak over a sized peak of about 0 (5e-324) is not "Infinity×" or "1e+300×" (it was)', () => {
    for (const ratio of [Number.POSITIVE_INFINITY, 1e300]) {
      const text = describeFlag({ flag: 'bursty', ratio });
      expect(text).not.toMatch(/Infinity|e\+/);
      expect(text).toBe("the high quantile's forecast peak is over 1,000,000× the sized one: bursts set the size");
    }
    expect(describeFlag({ flag: 'bursty', ratio: 2.54 })).toContain('2.5× the sized one');
  });

  it('a fractional OOM kill count (0.0000035425067055282386) is rounded or said to be a fraction (it was printed whole)', () => {
    expect(describeFlag({ flag: 'oomKills', count: 0.0000035425067055282386 })).toBe('a fraction of an OOM kill (0.0000035) in the history: check the oomKills query');
    expect(describeFlag({ flag: 'oomKills', count: 2.0034 })).toBe('2 OOM kills in the history');
    expect(describeFlag({ flag: 'oomKills', count: 1 })).toBe('1 OOM kill in the history');
  });

  it('the fuzz\'s case (seed 7301, case 3753) through the cycle: its PR says "OOM kills: 0.0000035", not 22 digits', async () => {
    const c = {"stepMinutes": 5, "historyDays": 2, "policy": {"minReplicas": 1, "maxReplicas": 2, "minCpuMilli": 6, "maxCpuMilli": 15696, "minMemoryMi": 142, "maxMemoryMi": 15924, "up": 100, "down": 89, "minChangePercent": 12, "scaleDownOnEvidenceOnly": false, "maxRawChangeFactor": 6.65704262290678, "minAccuracy": 0.5}, "perReplica": 1000000000000, "manifest": {"hpa": {"min": 58, "max": 107}, "replicas": 1, "memoryRequestMi": 13, "memoryLimitMi": 5, "style": "units"}, "metrics": {"load": {"kind": "trace", "trace": 3, "offset": 19635, "scale": 184.16278615769895, "mutations": [], "length": 0, "staleSteps": 0}, "cpu": {"kind": "trace", "trace": 0, "offset": 5590, "scale": 0.001, "mutations": [], "length": 0, "staleSteps": 0}, "memory": {"kind": "values", "values": [-1e+300, -2.5491002141536923e-179, 3.0336924310189616e-306, 1.3006049659446223e-104, -1e+300], "staleSteps": 0}, "oomKills": {"kind": "values", "values": [1e-12, 3.5425067055282386e-06], "staleSteps": 0}}, "match": {"load": 1.5043971844511994, "cpu": 0.3000000000000007, "memory": 1.0440551540230028}} as unknown as SeriesCase;
    const { forge } = await runSeriesCase(c);
    expect(forge.opened).toHaveLength(1);
    expect(forge.opened[0]!.body).toContain('OOM kills: 0.0000035 (container web)');
    expect(await checkSeries(c)).toBeUndefined();
  });
});

describe('percentages in a hold reason are short', () => {
  it('1 − WAPE of a median forecast of a load of about 0 (−2.3e116) is not printed as "-2.3277190500744915e+118%" (it was)', () => {
    const text = describeNote({ rule: 'minAccuracy', effect: 'held', skill: -0.5, quantile: 0.9, reference: 'seasonal-naive(daily)', accuracy: -2.3277190500744915e116, min: 0 });
    expect(text).not.toMatch(/e\+|Infinity|NaN/);
    expect(text).toContain('(1 − WAPE of the median below −1,000,000%, shown only)');
    expect(describeNote({ rule: 'minAccuracy', effect: 'passed', skill: 0.25, quantile: 0.9, accuracy: 0.8, min: 0 })).toContain('1 − WAPE of the median 80%');
  });
});

describe('a config error never quotes a secret', () => {
  const file = 'fuzz/augur.yaml';
  const errorOf = (text: string) => {
    try {
      parseConfig(text, file);
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    throw new Error('validated');
  };

  it('the lines quoted around a YAML syntax error show values under secret keys as (redacted) (they showed them)', () => {
    const text = ['git: { url: /tmp/x }', 'forge: { type: local, path: f }', 'webhooks:', '  github:', `    secret: ${SECRETS.webhook}`, '\tmetrics: x', 'targets: []'].join('\n');
    const message = errorOf(text);
    expect(message).toMatch(/YAML syntax: Tabs are not allowed as indentation/);
    expect(message).toContain('|     secret: (redacted)');
    expect(message).not.toContain(SECRETS.webhook);
    // Nested under a secret key (credentials:), and a tab-indented line below it.
    const nested = ['git: { url: /tmp/x }', 'targets:', '  - manifest:', '      credentials:', `\tvalue: ${SECRETS.webhook}`, '    metrics: {}'].join('\n');
    const m2 = errorOf(nested);
    expect(m2).toContain('value: (redacted)');
    expect(m2).not.toContain(SECRETS.webhook);
    // A secret key written after another value on the same line (what a bad paste makes).
    const midLine = ['git: { url: /tmp/x }', 'cluster:', '  required: true', `  dryRun: u  secret: "${SECRETS.webhook}pdate`, 'targets: []'].join('\n');
    const m3 = errorOf(midLine);
    expect(m3).toContain('|   dryRun: u  secret: (redacted)');
    expect(m3).not.toContain(SECRETS.webhook);
    // Lines that hold no secret are quoted as written.
    expect(errorOf(['git: { url: /tmp/x }', 'forge:', '  type: local', '\tpath: f'].join('\n'))).toContain('|   type: local');
  });

  it('a token in git.url\'s query is refused like one in its user info (it validated, and reached git\'s command line)', () => {
    const text = ['git: { url: "https://github.com/acme/m.git?access_token=' + SECRETS.token + '" }', 'forge: { type: local, path: f }', 'targets:', '  - { namespace: shop, name: web, manifest: { format: plain, path: a.yaml }, metrics: { load: { query: up } }, capacity: { perReplica: 1 } }', 'prometheus: { url: "http://p:9090" }'].join('\n');
    const message = errorOf(text);
    expect(message).toMatch(/git\.url: .*must not have a query or fragment .*set git\.token/);
    expect(message).not.toContain(SECRETS.token);
  });
});
