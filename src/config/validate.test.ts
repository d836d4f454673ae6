// What `augur validate` refuses since issue 15: zero durations, a sizing quantile above the one the
// HPA ceiling covers, URLs that are malformed or carry credentials, request floors above their
// ceilings; and how secrets are kept out of every problem it prints.
import { describe, expect, it } from 'vitest';
import { parseConfig, type ConfigProblem } from './load.js';
import { problemsOf } from './config.test-helper.js';
import { redactText, redactValue, rememberSecret } from './redact.js';

const MINIMAL = `git:
  url: remote.git
metrics:
  file: { dir: traces }
forge: { type: local, path: forge }
targets:
  - namespace: shop
    name: web
    manifest: { format: plain, path: apps/web.yaml }
    metrics:
      load: { file: web.csv }
    capacity: { perReplica: 100 }
`;

const at = (problems: ConfigProblem[], path: string) => problems.find((p) => p.path === path)?.message;

describe('validate: zero durations', () => {
  it.each([
    ['schedule:\n  cycleTimeout: 0s\n', 'schedule.cycleTimeout'],
    ['policy:\n  freezeWindows: [{ cron: "0 18 * * 5", duration: 0h }]\n', 'policy.freezeWindows[0].duration'],
    ['sizing:\n  horizon: 0h\n', 'sizing.horizon'],
    ['metrics:\n  file: { dir: traces, step: 0m }\n', 'metrics.file.step'],
    ['retries:\n  maxWait: 0s\n', 'retries.maxWait'],
  ])('%s is refused with an example', (yaml, path) => {
    const text = yaml.startsWith('metrics:') ? MINIMAL.replace('metrics:\n  file: { dir: traces }\n', yaml) : `${MINIMAL}${yaml}`;
    expect(at(problemsOf(text), path)).toMatch(/^must be more than 0, e\.g\. "\d+[smhdw]"$/);
  });

  it('accepts 0 where it means "off": cooldown, back-off, reselectEvery, minHistory', () => {
    expect(() => parseConfig(`${MINIMAL}policy: { cooldown: 0s, rejectedBackoff: 0s, minHistory: 0s }\nsizing: { reselectEvery: 0s }\n`, 'augur.yaml')).not.toThrow();
  });
});

describe('validate: across fields', () => {
  it('refuses an effective sizing.quantile above sizing.maxQuantile, where it is written', () => {
    const problems = problemsOf(`${MINIMAL}sizing: { quantile: 0.99, maxQuantile: 0.9 }\n`);
    expect(at(problems, 'sizing.quantile')).toMatch(/effective sizing\.quantile 0\.99 is above sizing\.maxQuantile 0\.9: .*lower quantile or raise maxQuantile/);
  });

  it('refuses request floors above their ceilings', () => {
    expect(at(problemsOf(`${MINIMAL}policy: { minCpuPerPod: 2, maxCpuPerPod: 1 }\n`), 'policy.minCpuPerPod')).toMatch(/minCpuPerPod\/minMemoryPerPod is above/);
  });
});

describe('validate: URLs', () => {
  const prom = (url: string) => `${MINIMAL}prometheus:\n  url: ${JSON.stringify(url)}\n`;
  it.each([
    ['prometheus:9090', 'must start with http:// or https://, e.g. http://prometheus.monitoring:9090'],
    ['not a url', 'not a URL; write the scheme and host, e.g. http://prometheus.monitoring:9090'],
    ['http://prometheus:9090/api/v1', "the server's base URL, without /api/v1"],
    ['http://prometheus:9090/?q=1', 'must not have a query or fragment'],
    ['http://user:pw@prometheus:9090', 'credentials in the URL are not allowed'],
  ])('prometheus.url %s is refused with the fix', (url, fix) => {
    expect(at(problemsOf(prom(url)), 'prometheus.url')).toContain(fix);
  });

  it('refuses a forge.apiUrl without a scheme and a git.url with a token in it', () => {
    const gh = MINIMAL.replace('forge: { type: local, path: forge }', 'forge: { type: github, owner: a, repo: b, apiUrl: "api.github.com" }');
    expect(at(problemsOf(gh), 'forge.apiUrl')).toMatch(/not a URL|must start with http/);
    const git = MINIMAL.replace('url: remote.git', 'url: "https://bot:tok-123456@github.com/a/b.git"');
    expect(at(problemsOf(git), 'git.url')).toMatch(/credentials in the URL are not allowed .*set git\.token/);
    const scp = MINIMAL.replace('url: remote.git', 'url: "git@github.com:a/b.git"');
    expect(() => parseConfig(scp, 'augur.yaml')).not.toThrow();
  });

  it('prints the value found with its credentials redacted', () => {
    const p = problemsOf(prom('https://admin:hunter2@prom.example.com'));
    expect(p.find((x) => x.path === 'prometheus.url')!.value).toBe('"https://(redacted)@prom.example.com"');
  });
});

describe('redaction', () => {
  it('replaces remembered secrets, URL credentials, bearer strings and GitHub tokens', () => {
    rememberSecret('a-remembered-secret');
    expect(redactText('push failed: a-remembered-secret rejected')).toBe('push failed: (redacted) rejected');
    expect(redactText('https://u:p@h/x')).toBe('https://(redacted)@h/x');
    expect(redactText('Authorization: Bearer abc.def.ghi123')).toBe('Authorization: Bearer (redacted)');
    expect(redactText('token ghp_0123456789abcdefghij0123456789')).not.toContain('ghp_0123');
  });

  it('replaces every value under a secret-holding key at any depth, but keeps references and the author', () => {
    expect(
      redactValue({ url: 'http://p', auth: { bearer: 'xyz-secret' }, token: { env: 'GITHUB_TOKEN' }, nested: [{ password: 42 }], author: { name: 'augur[bot]' } }),
    ).toEqual({ url: 'http://p', auth: { bearer: '(redacted)' }, token: { env: 'GITHUB_TOKEN' }, nested: [{ password: '(redacted)' }], author: { name: 'augur[bot]' } });
  });
});

describe('validate: every problem of every kind at once, one per mistake', () => {
  const TWO = `${MINIMAL}  - namespace: shop
    name: api
    manifest: { format: plain, path: apps/api.yaml }
    metrics:
      load: { file: api.csv }
    capacity: { perReplica: 100 }
`;

  it('reports schema, cron, time zone, window order and cross-field problems together', () => {
    const text =
      TWO.replace('capacity: { perReplica: 100 }\n  - namespace', 'capacity: { perReplica: 100 }\n    policy: { minReplicas: 5, maxReplicas: 2 }\n  - namespace') +
      `schedule: { cron: "every day", timezone: Mars/Olympus }
policy:
  maxStepPercent: { up: -1, down: 10 }
  bogus: 1
  freezeWindows:
    - { from: "2026-12-31", to: "2026-12-20", reason: holidays }
    - { cron: "0 99 * * *", duration: 1h }
`;
    const problems = problemsOf(text);
    expect(problems.map((p) => p.path)).toEqual([
      'targets[0].policy',
      'schedule.cron',
      'schedule.timezone',
      'policy.maxStepPercent.up',
      'policy.bogus',
      'policy.freezeWindows[0].to',
      'policy.freezeWindows[1].cron',
    ]);
    expect(at(problems, 'targets[0].policy')).toMatch(/effective minReplicas 5 is above maxReplicas 2/);
    expect(at(problems, 'policy.freezeWindows[0].to')).toBe('ends before it starts (from 2026-12-31): the window would never apply; swap from and to, or fix the date');
    // Sorted by line, each with its line.
    expect(problems.map((p) => p.line)).toEqual([...problems.map((p) => p.line)].sort((a, b) => a! - b!));
  });

  it('refuses a freeze window that ends when or before it starts, wherever it is written, and keeps one that ends later', () => {
    const ns = `${MINIMAL}namespaces:\n  shop:\n    policy:\n      freezeWindows: [{ from: "2026-12-20T18:00", to: "2026-12-20T18:00" }]\n`;
    expect(at(problemsOf(ns), 'namespaces.shop.policy.freezeWindows[0].to')).toMatch(/^ends when it starts/);
    const target = MINIMAL.replace('capacity: { perReplica: 100 }\n', 'capacity: { perReplica: 100 }\n    policy:\n      freezeWindows: [{ from: "2027-01-04", to: "2026-12-20" }]\n');
    expect(at(problemsOf(target), 'targets[0].policy.freezeWindows[0].to')).toMatch(/^ends before it starts/);
    expect(() => parseConfig(`${MINIMAL}policy:\n  freezeWindows: [{ from: "2026-12-20", to: "2027-01-04" }]\n`, 'augur.yaml')).not.toThrow();
    // Read as the guardrail reads them: offsets count (10:00+02:00 is before 09:30Z).
    expect(() => parseConfig(`${MINIMAL}policy:\n  freezeWindows: [{ from: "2026-12-20T10:00+02:00", to: "2026-12-20T09:30Z" }]\n`, 'augur.yaml')).not.toThrow();
    expect(at(problemsOf(`${MINIMAL}policy:\n  freezeWindows: [{ from: "20 Dec 2026", to: "2027-01-04" }]\n`), 'policy.freezeWindows[0]')).toMatch(/^from\/to must be ISO dates/);
  });

  it('checks the targets that parse across fields when another target does not', () => {
    const text = TWO.replace('    capacity: { perReplica: 100 }\n  - namespace', '  - namespace').replace(
      'manifest: { format: plain, path: apps/api.yaml }',
      'manifest: { format: plain, path: apps/api.yaml }\n    policy: { minReplicas: 9, maxReplicas: 3 }',
    );
    const problems = problemsOf(text);
    expect(problems.map((p) => p.path)).toEqual(['targets[0].capacity', 'targets[1].policy']);
  });

  it('does not report a contradiction with a value the schema refused (its default stands in for it)', () => {
    const problems = problemsOf(`${MINIMAL}policy: { minReplicas: -3, maxReplicas: 0 }\n`);
    expect(problems.map((p) => p.path).sort()).toEqual(['policy.maxReplicas', 'policy.minReplicas']);
  });

  it('gives one problem for a key indented at its parent’s level, at that line, saying where it belongs', () => {
    const top = problemsOf(MINIMAL.replace('  file: { dir: traces }\n', 'file: { dir: traces }\n'));
    expect(top).toHaveLength(1);
    expect(top[0]).toMatchObject({ line: 4, path: 'file', message: '"file" is indented as a key of the top level, leaving "metrics:" above it empty; indent it under "metrics:"' });
    const nested = problemsOf(MINIMAL.replace('      load: { file: web.csv }\n', '    load: { file: web.csv }\n'));
    expect(nested).toHaveLength(1);
    expect(nested[0]).toMatchObject({ line: 11, path: 'targets[0].load', message: expect.stringMatching(/indent it under "metrics:"$/) });
  });

  it('gives one problem for a key indented one level too far, saying it belongs beside its parent', () => {
    const top = problemsOf(MINIMAL.replace('  url: remote.git\nmetrics:\n  file: { dir: traces }\n', '  url: remote.git\n  metrics:\n    file: { dir: traces }\n'));
    // Not also "a file metric needs metrics.file.dir" for the target that reads it.
    expect(top).toEqual([expect.objectContaining({ line: 3, path: 'git.metrics', message: '"metrics" is indented under "git:", but belongs beside it (a key of the top level); indent it as far as "git:"' })]);
    const nested = problemsOf(MINIMAL.replace('      load: { file: web.csv }\n    capacity:', '      load: { file: web.csv }\n      capacity:'));
    // Not also "targets[0].capacity: missing".
    expect(nested).toEqual([expect.objectContaining({ line: 12, path: 'targets[0].metrics.capacity', message: expect.stringMatching(/^"capacity" is indented under "metrics:", but belongs beside it \(a key of targets\[0\]\)/) })]);
  });

  it('gives one problem for a misspelt required key: the suggestion, not also the key missing', () => {
    const problems = problemsOf(MINIMAL.replace('    capacity:', '    capacty:'));
    expect(problems).toEqual([expect.objectContaining({ line: 12, path: 'targets[0].capacty', message: 'unknown key "capacty"; did you mean "capacity"? (it is required)' })]);
  });

  it('gives one problem for a mis-indented line that breaks the YAML, with the line quoted and a caret under the column', () => {
    const text = TWO.replace('    manifest: { format: plain, path: apps/web.yaml }\n', '  manifest: { format: plain, path: apps/web.yaml }\n');
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 9, column: 1 });
    expect(problems[0]!.message).toMatch(/^YAML syntax: All mapping items must start at the same column; check the indentation .* \(and \d+ more errors further on, most likely caused by this one: fix it and validate again\)$/);
    expect(problems[0]!.excerpt).toEqual([
      '   8 |     name: web',
      '>  9 |   manifest: { format: plain, path: apps/web.yaml }',
      '     | ^',
      '  10 |     metrics:',
    ]);
    let message = '';
    try {
      parseConfig(text, 'augur.yaml');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n')).toEqual([expect.stringMatching(/^augur\.yaml:9:1: YAML syntax: /), ...problems[0]!.excerpt!]);
  });

  it('puts the caret under the column of a syntax error inside a line', () => {
    const problems = problemsOf(MINIMAL.replace('    name: web\n', '    name: web: x\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.excerpt).toEqual(['  7 |   - namespace: shop', '> 8 |     name: web: x', '    |           ^', '  9 |     manifest: { format: plain, path: apps/web.yaml }']);
  });
});
