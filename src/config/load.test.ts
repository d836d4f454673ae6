import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatPath, formatProblem, loadConfig, parseConfig, resolveFrom, type ConfigProblem } from './load.js';
import { lineOf, problemsOf } from './config.test-helper.js';
import { POLICY_DEFAULTS, SIZING_DEFAULTS, effectiveSettings } from './schema.js';

const here = dirname(fileURLToPath(import.meta.url));
const DEMO = resolve(here, '../../config/demo/augur.yaml');
const Gi = 2 ** 30;
const Mi = 2 ** 20;

/** A minimal valid file: file metrics, local forge, one target. */
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

function problemAt(problems: ConfigProblem[], path: string): ConfigProblem {
  const p = problems.find((x) => x.path === path);
  if (!p) expect.fail(`no problem at ${path}; got ${problems.map((x) => x.path).join(', ')}`);
  return p;
}

describe('parseConfig: valid files', () => {
  it('accepts a minimal file and fills in the defaults', () => {
    const loaded = parseConfig(MINIMAL, '/etc/augur/augur.yaml');
    const c = loaded.config;
    expect(loaded.file).toBe('/etc/augur/augur.yaml');
    expect(loaded.baseDir).toBe('/etc/augur');
    expect(c.targets).toHaveLength(1);
    expect(c.targets[0]!.kind).toBe('Deployment');
    expect(c.git.baseBranch).toBe('main');
    expect(c.git.author).toEqual({ name: 'augur[bot]', email: 'augur@users.noreply.github.com' });
    expect(c.schedule).toEqual({ cron: '0 */6 * * *', timezone: 'UTC', cycleTimeout: 1800, unhealthyAfter: 3 });
    expect(c.limits).toEqual({ maxOpenPRs: 10, maxPRsPerHour: 5 });
    expect(c.forge.labels).toEqual(['augur']);
    expect(c.forge.grouping).toBe('workload');
    expect(c.prometheus).toBeUndefined();
    // Defaulted durations are parsed to seconds too.
    expect(c.metrics.file).toEqual({ dir: 'traces', shiftToNow: false, step: 300, history: 14 * 86_400 });
  });

  it('loads the demo file from disk, with its relative paths resolved against its directory', () => {
    const loaded = loadConfig(DEMO);
    expect(loaded.baseDir).toBe(dirname(DEMO));
    expect(loaded.config.targets.map((t) => `${t.namespace}/${t.name}`)).toEqual(['shop/web', 'shop/api', 'jobs/worker', 'jobs/worker', 'shop/cart', 'edge/gateway']);
    expect(loaded.config.forge.type).toBe('local');
    expect(loaded.config.forge.labels).toEqual(['augur', 'capacity']);
    expect(loaded.config.schedule.timezone).toBe('Europe/London');
    expect(loaded.config.policy.maxStepPercent).toEqual({ up: 50, down: 30 });
    expect(loaded.config.policy.budget?.perPR).toEqual({ monthly: 400 });
    expect(resolveFrom(loaded, 'traces')).toBe(join(dirname(DEMO), 'traces'));
    expect(resolveFrom(loaded, '/abs/traces')).toBe('/abs/traces');
  });

  it('accepts the README example (github forge, prometheus, secrets by reference, freeze windows)', () => {
    const text = `prometheus:
  url: http://prometheus.monitoring:9090
  auth: { bearer: { file: /var/run/secrets/prometheus/token } }
git:
  url: https://github.com/acme/manifests.git
forge:
  type: github
  owner: acme
  repo: manifests
  token: { env: GITHUB_TOKEN }
  reviewers: [platform-oncall]
schedule: { cron: "0 6 * * 1-5", timezone: Europe/Berlin }
policy:
  maxStepPercent: { up: 50, down: 25 }
  freezeWindows:
    - { cron: "0 16 * * 5", duration: 64h, reason: weekend }
    - { from: "2026-12-20", to: "2027-01-04", reason: holidays }
  budget:
    perPR: { monthly: 300 }
    perNamespace: { monthly: 1000, period: 30d }
targets:
  - namespace: shop
    name: frontend
    manifest: { format: kustomize, path: deploy/overlays/production }
    metrics:
      load: { query: 'sum(rate(http_requests_total{namespace="shop", service="frontend"}[5m]))' }
    capacity: { perReplica: 120 }
  - namespace: shop
    name: api
    manifest: { format: helm, path: charts/api/values-prod.yaml, helm: { replicas: replicaCount } }
    metrics:
      load: { preset: cadvisor }
    capacity: { targetUtilization: 0.7 }
`;
    const { config } = parseConfig(text, 'augur.yaml');
    expect(config.forge.type).toBe('github');
    if (config.forge.type !== 'github') return;
    expect(config.forge.token).toEqual({ env: 'GITHUB_TOKEN' });
    expect(config.forge.apiUrl).toBe('https://api.github.com');
    expect(config.prometheus?.timeout).toBe(30);
    expect(config.prometheus?.step).toBe(300);
    expect(config.prometheus?.history).toBe(14 * 86_400);
    expect(config.policy.freezeWindows).toEqual([
      { cron: '0 16 * * 5', duration: 64 * 3600, reason: 'weekend' },
      { from: '2026-12-20', to: '2027-01-04', reason: 'holidays' },
    ]);
    expect(config.policy.budget?.perNamespace).toEqual({ monthly: 1000, period: 30 * 86_400 });
  });
});

describe('parseConfig: durations and quantities', () => {
  const withPolicy = (policy: string) => MINIMAL.replace('targets:', `policy:\n${policy}\ntargets:`);

  it('parses durations to seconds, including compound ones', () => {
    const { config } = parseConfig(withPolicy('  cooldown: 1h30m\n  minHistory: 2w\n  budget: { perNamespace: { cores: 4 } }'), 'a.yaml');
    expect(config.policy.cooldown).toBe(5400);
    expect(config.policy.minHistory).toBe(14 * 86_400);
    // period defaults to 30d, parsed like a written duration.
    expect(config.policy.budget?.perNamespace?.period).toBe(30 * 86_400);
  });

  it('parses memory quantities to bytes and CPU quantities to cores', () => {
    const { config } = parseConfig(withPolicy('  maxMemoryPerPod: 8Gi\n  maxCpuPerPod: 3500m'), 'a.yaml');
    expect(config.policy.maxMemoryPerPod).toBe(8 * Gi);
    expect(config.policy.maxCpuPerPod).toBe(3.5);
    const other = parseConfig(withPolicy('  maxMemoryPerPod: 512Mi\n  maxCpuPerPod: 4'), 'a.yaml').config;
    expect(other.policy.maxMemoryPerPod).toBe(512 * Mi);
    expect(other.policy.maxCpuPerPod).toBe(4);
    expect(parseConfig(withPolicy('  maxMemoryPerPod: 2G\n  maxCpuPerPod: "2"'), 'a.yaml').config.policy).toMatchObject({ maxMemoryPerPod: 2e9, maxCpuPerPod: 2 });
  });

  it('the defaults are already in natural units', () => {
    expect(POLICY_DEFAULTS.cooldown).toBe(86_400);
    expect(POLICY_DEFAULTS.minHistory).toBe(3 * 86_400);
    expect(POLICY_DEFAULTS.maxMemoryPerPod).toBe(32 * Gi);
    expect(POLICY_DEFAULTS.maxCpuPerPod).toBe(8);
    expect(SIZING_DEFAULTS.horizon).toBe(86_400);
  });

  it('rejects a duration written in words, pointing at the value with an example', () => {
    const text = withPolicy('  cooldown: 5 minutes');
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    const p = problemAt(problems, 'policy.cooldown');
    expect(p.value).toBe('"5 minutes"');
    expect(p.line).toBe(lineOf(text, 'cooldown'));
    expect(p.message).toMatch(/duration/);
    expect(p.message).toContain('"24h"');
  });

  it('rejects a memory quantity with a wrong unit, saying what a memory quantity looks like', () => {
    const p = problemAt(problemsOf(withPolicy('  maxMemoryPerPod: 8GB')), 'policy.maxMemoryPerPod');
    expect(p.value).toBe('"8GB"');
    expect(p.message).toContain('512Mi');
  });

  it('rejects a CPU quantity written in words, saying what a CPU quantity looks like', () => {
    const p = problemAt(problemsOf(withPolicy('  maxCpuPerPod: 3 cores')), 'policy.maxCpuPerPod');
    expect(p.value).toBe('"3 cores"');
    expect(p.message).toContain('500m');
  });
});

describe('parseConfig: every problem at once', () => {
  const BROKEN = `git:
  url: remote.git
forge:
  type: github
  owner: acme
  repo: manifests
  token: ghp_abcdef123
prometheus:
  url: http://prom:9090
  timeout: 5 minutes
policy:
  maxStepPrecent: { up: 50, down: 30 }
targets:
  - namespace: shop
    name: web
    manifest: { format: plain, path: apps/web.yaml }
    metrics:
      load: { query: 'sum(rate(x[5m]))' }
    capacity: { perReplica: 0 }
    policy:
      maxStepPercent: { up: -5, down: 30 }
`;

  it('reports all problems, each with file, line, column, path, value and message', () => {
    const problems = problemsOf(BROKEN, 'cfg/augur.yaml');
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        'forge.token',
        'policy.maxStepPrecent',
        'prometheus.timeout',
        'targets[0].capacity.perReplica',
        'targets[0].policy.maxStepPercent.up',
      ].sort(),
    );
    for (const p of problems) {
      expect(p.file).toBe('cfg/augur.yaml');
      expect(p.line).toBeGreaterThan(0);
      expect(p.column).toBeGreaterThan(0);
      expect(p.value).toBeDefined();
      expect(p.message.length).toBeGreaterThan(5);
    }
  });

  it('points at the exact line and column of a nested value', () => {
    const p = problemAt(problemsOf(BROKEN), 'targets[0].policy.maxStepPercent.up');
    expect(p.value).toBe('-5');
    expect(p.line).toBe(lineOf(BROKEN, 'up: -5'));
    expect(p.column).toBe(BROKEN.split('\n')[p.line! - 1]!.indexOf('-5') + 1);
    expect(p.message).toMatch(/≥ 0|0 or more/);
  });

  it('rejects a literal token instead of { env } or { file }, saying secrets are references', () => {
    const p = problemAt(problemsOf(BROKEN), 'forge.token');
    expect(p.line).toBe(lineOf(BROKEN, 'token: ghp_'));
    expect(p.message).toContain('{ env: NAME }');
    expect(p.message).toContain('{ file: /path }');
  });

  it('suggests the closest key for a misspelled one', () => {
    const p = problemAt(problemsOf(BROKEN), 'policy.maxStepPrecent');
    expect(p.line).toBe(lineOf(BROKEN, 'maxStepPrecent'));
    expect(p.column).toBe(3);
    expect(p.message).toBe('unknown key "maxStepPrecent"; did you mean "maxStepPercent"?');
  });

  it('says to remove an unknown key that resembles nothing', () => {
    const text = MINIMAL + 'zzzqqqxx: 1\n';
    const p = problemAt(problemsOf(text), 'zzzqqqxx');
    expect(p.message).toContain('remove it or check the spelling');
    expect(p.message).not.toContain('did you mean');
  });

  it('the error message lists every problem, one formatted line each', () => {
    let err: unknown;
    try {
      parseConfig(BROKEN, 'augur.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.message.split('\n')).toEqual(e.problems.map(formatProblem));
    expect(e.message).toContain(`augur.yaml:${lineOf(BROKEN, 'timeout')}:12: prometheus.timeout: found "5 minutes"; a duration`);
  });

  it('reports a missing required key as missing, at its parent', () => {
    const text = MINIMAL.replace('    capacity: { perReplica: 100 }\n', '');
    const p = problemAt(problemsOf(text), 'targets[0].capacity');
    expect(p.value).toBeUndefined();
    expect(p.line).toBe(lineOf(text, '- namespace'));
    expect(p.message).toContain('perReplica');
    expect(formatProblem(p)).toContain('targets[0].capacity: missing;');
  });

  it('an empty file names each required section', () => {
    expect(problemsOf('').map((p) => p.path).sort()).toEqual(['forge', 'git', 'targets']);
  });

  it('reports a YAML syntax error with its line', () => {
    const text = 'git:\n  url: x\n forge:\n  type: local\n';
    const problems = problemsOf(text, 'bad.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.file).toBe('bad.yaml');
    expect(problems[0]!.line).toBe(3);
    expect(problems[0]!.message).toMatch(/^YAML syntax: /);
  });

  it('loadConfig on a missing file throws a ConfigError naming the file', () => {
    expect(() => loadConfig('/nonexistent/augur.yaml')).toThrow(ConfigError);
    expect(() => loadConfig('/nonexistent/augur.yaml')).toThrow(/^\/nonexistent\/augur\.yaml: .*cannot read the file/);
  });
});

describe('parseConfig: checks across fields', () => {
  const base = `git: { url: r.git }
metrics: { file: { dir: traces } }
forge: { type: local, path: forge }
`;
  const target = (ns: string, name: string, extra = '') =>
    `  - namespace: ${ns}\n    name: ${name}\n    manifest: { format: plain, path: a.yaml }\n    metrics: { load: { file: l.csv } }\n    capacity: { perReplica: 1 }\n${extra}`;

  it('rejects an invalid cron and an unknown time zone in schedule', () => {
    const text = `${base}schedule: { cron: "every day", timezone: Mars/Olympus }\ntargets:\n${target('shop', 'web')}`;
    const problems = problemsOf(text);
    expect(problemAt(problems, 'schedule.cron')).toMatchObject({ value: '"every day"', line: 4 });
    expect(problemAt(problems, 'schedule.cron').message).toMatch(/cron/);
    expect(problemAt(problems, 'schedule.timezone')).toMatchObject({ value: '"Mars/Olympus"', line: 4 });
    expect(problemAt(problems, 'schedule.timezone').message).toContain('Europe/Berlin');
  });

  it('rejects an effective minReplicas above maxReplicas (namespace min, target max)', () => {
    const text = `${base}namespaces:\n  shop:\n    policy: { minReplicas: 5 }\ntargets:\n${target('shop', 'web', '    policy: { maxReplicas: 3 }\n')}`;
    const p = problemAt(problemsOf(text), 'targets[0].policy');
    expect(p.message).toContain('minReplicas 5 is above maxReplicas 3');
  });

  it('accepts minReplicas equal to maxReplicas', () => {
    const text = `${base}policy: { minReplicas: 3, maxReplicas: 3 }\ntargets:\n${target('shop', 'web')}`;
    expect(() => parseConfig(text, 'a.yaml')).not.toThrow();
  });

  it('rejects a duplicate target, naming the first one', () => {
    const text = `${base}targets:\n${target('shop', 'web')}${target('shop', 'api')}${target('shop', 'web')}`;
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    const p = problemAt(problems, 'targets[2]');
    expect(p.message).toContain('Deployment/shop/web');
    expect(p.message).toContain('targets[0]');
  });

  it('lists one workload once per environment, and says so when it is listed twice without one', () => {
    const envs = `${base}targets:\n${target('shop', 'web', '    environment: staging\n')}${target('shop', 'web', '    environment: production\n')}`;
    expect(parseConfig(envs, 'a.yaml').config.targets.map((t) => t.environment)).toEqual(['staging', 'production']);
    const twice = problemAt(problemsOf(`${base}targets:\n${target('shop', 'web')}${target('shop', 'web')}`), 'targets[1]');
    expect(twice.message).toBe('duplicate target Deployment/shop/web (also targets[0]); list each workload once, or give each deployment of it an environment: (staging, production...)');
    const sameEnv = problemAt(problemsOf(`${base}targets:\n${target('shop', 'web', '    environment: prod\n')}${target('shop', 'web', '    environment: prod\n')}`), 'targets[1]');
    expect(sameEnv.message).toContain('duplicate target Deployment/shop/web@prod (also targets[0]); list each workload once per environment');
    expect(problemAt(problemsOf(`${base}targets:\n${target('shop', 'web', '    environment: Prod EU\n')}`), 'targets[0].environment').message).toContain('an environment name');
  });

  it('layers an environment between the top level and the namespace, and checks its selector and git.branchPrefix', () => {
    const text = `${base}policy: { minReplicas: 2 }\nenvironments:\n  prod:\n    selector: cluster="prod-eu"\n    policy: { minReplicas: 3, maxReplicas: 40 }\nnamespaces:\n  shop:\n    policy: { maxReplicas: 30 }\ntargets:\n${target('shop', 'web', '    environment: prod\n')}`;
    const { config } = parseConfig(text, 'a.yaml');
    expect(effectiveSettings(config, config.targets[0]!).policy).toMatchObject({ minReplicas: 3, maxReplicas: 30 });
    expect(config.git.branchPrefix).toBe('augur');
    const bad = problemsOf(`${base.replace('git: { url: r.git }', 'git: { url: r.git, branchPrefix: "augur/" }')}environments:\n  prod: { selector: "cluster=prod" }\ntargets:\n${target('shop', 'web')}`);
    expect(problemAt(bad, 'git.branchPrefix').message).toContain('e.g. augur or augur-eu');
    expect(problemAt(bad, 'environments.prod.selector').message).toContain('PromQL label matchers');
  });

  it('the same name as Deployment and StatefulSet is not a duplicate', () => {
    const text = `${base}targets:\n${target('shop', 'web')}${target('shop', 'web', '    kind: StatefulSet\n')}`;
    expect(() => parseConfig(text, 'a.yaml')).not.toThrow();
  });

  it('rejects a file metric without metrics.file and a query without prometheus', () => {
    const text = `git: { url: r.git }
forge: { type: local, path: forge }
targets:
  - namespace: shop
    name: web
    manifest: { format: plain, path: a.yaml }
    metrics:
      load: { file: web.csv }
      cpu: { query: 'sum(rate(container_cpu_usage_seconds_total[5m]))' }
    capacity: { perReplica: 1 }
`;
    const problems = problemsOf(text);
    expect(problemAt(problems, 'targets[0].metrics.load')).toMatchObject({ line: 8, value: '{"file":"web.csv"}' });
    expect(problemAt(problems, 'targets[0].metrics.load').message).toContain('metrics.file.dir');
    expect(problemAt(problems, 'targets[0].metrics.cpu')).toMatchObject({ line: 9 });
    expect(problemAt(problems, 'targets[0].metrics.cpu').message).toContain('prometheus');
  });

  it('rejects a freeze window with a bad cron, a bad time zone or unparseable dates', () => {
    const text = `${base}policy:
  freezeWindows:
    - { cron: "0 99 * * *", duration: 2h, timezone: Nowhere/City }
    - { from: "soon", to: "2027-01-04" }
targets:
${target('shop', 'web')}`;
    const problems = problemsOf(text);
    expect(problemAt(problems, 'policy.freezeWindows[0].cron').line).toBe(6);
    expect(problemAt(problems, 'policy.freezeWindows[0].timezone').value).toBe('"Nowhere/City"');
    expect(problemAt(problems, 'policy.freezeWindows[1]').message).toContain('ISO dates');
  });

  // Checked where written: an inherited window is not reported once per target.
  it('reports a bad top-level freeze window once, however many targets inherit it', () => {
    const text = `${base}policy:
  freezeWindows:
    - { cron: "0 99 * * *", duration: 2h }
targets:
${target('shop', 'web')}${target('jobs', 'worker')}`;
    const problems = problemsOf(text);
    expect(problems.filter((p) => p.path === 'policy.freezeWindows[0].cron')).toHaveLength(1);
    expect(problems).toHaveLength(1);
  });

  it('reports a bad namespace freeze window at its own path and line', () => {
    const text = `${base}namespaces:
  shop:
    policy:
      freezeWindows:
        - { cron: "0 99 * * *", duration: 2h }
targets:
${target('shop', 'web')}`;
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      path: 'namespaces.shop.policy.freezeWindows[0].cron',
      line: lineOf(text, '0 99'),
      value: '"0 99 * * *"',
    });
  });

  it('reports a bad target-level freeze window at the target', () => {
    const text = `${base}targets:\n${target('shop', 'web', '    policy:\n      freezeWindows: [{ cron: "61 * * * *", duration: 1h }]\n')}`;
    const p = problemAt(problemsOf(text), 'targets[0].policy.freezeWindows[0].cron');
    expect(p.line).toBe(lineOf(text, '61 * * * *'));
  });
});

describe('formatProblem and formatPath', () => {
  it('formats file:line:column, path, the value found and the fix', () => {
    expect(formatProblem({ file: 'a.yaml', line: 3, column: 7, path: 'policy.cooldown', value: '"5 minutes"', message: 'a duration' })).toBe(
      'a.yaml:3:7: policy.cooldown: found "5 minutes"; a duration',
    );
    expect(formatProblem({ file: 'a.yaml', path: 'git', message: 'required' })).toBe('a.yaml: git: missing; required');
    expect(formatProblem({ file: 'a.yaml', line: 2, path: '', message: 'x' })).toBe('a.yaml:2:1: x');
  });

  it('formats paths with indexes', () => {
    expect(formatPath(['targets', 0, 'policy', 'maxStepPercent', 'up'])).toBe('targets[0].policy.maxStepPercent.up');
    expect(formatPath([])).toBe('');
  });
});

describe('effectiveSettings', () => {
  const text = `git: { url: r.git }
metrics: { file: { dir: traces } }
forge: { type: local, path: forge }
policy:
  maxStepPercent: { up: 50, down: 20 }
  minChangePercent: 5
  cooldown: 12h
sizing: { headroomPercent: 20 }
namespaces:
  shop:
    policy:
      maxStepPercent: { up: 80 , down: 10 }
      maxReplicas: 20
    sizing: { quantile: 0.95 }
targets:
  - namespace: shop
    name: web
    manifest: { format: plain, path: a.yaml }
    metrics: { load: { file: l.csv } }
    capacity: { perReplica: 1 }
    policy:
      maxStepPercent: { up: 10, down: 5 }
      maxMemoryPerPod: 8Gi
  - namespace: shop
    name: api
    manifest: { format: plain, path: a.yaml }
    metrics: { load: { file: l.csv } }
    capacity: { perReplica: 1 }
  - namespace: jobs
    name: worker
    manifest: { format: plain, path: a.yaml }
    metrics: { load: { file: l.csv } }
    capacity: { perReplica: 1 }
`;
  const { config } = parseConfig(text, 'a.yaml');
  const [web, api, worker] = config.targets as [typeof config.targets[0], typeof config.targets[0], typeof config.targets[0]];

  it('layers defaults < top level < namespace < target', () => {
    const w = effectiveSettings(config, web);
    expect(w.policy.maxStepPercent).toEqual({ up: 10, down: 5 }); // target
    expect(w.policy.maxReplicas).toBe(20); // namespace
    expect(w.policy.minChangePercent).toBe(5); // top level
    expect(w.policy.cooldown).toBe(12 * 3600); // top level, in seconds
    expect(w.policy.minReplicas).toBe(1); // default
    expect(w.policy.maxMemoryPerPod).toBe(8 * Gi); // target, in bytes
    expect(w.sizing.quantile).toBe(0.95); // namespace
    expect(w.sizing.headroomPercent).toBe(20); // top level
    expect(w.sizing.maxQuantile).toBe(0.99); // default

    const a = effectiveSettings(config, api);
    expect(a.policy.maxStepPercent).toEqual({ up: 80, down: 10 });
    expect(a.policy.maxMemoryPerPod).toBe(32 * Gi);

    const k = effectiveSettings(config, worker);
    expect(k.policy.maxStepPercent).toEqual({ up: 50, down: 20 });
    expect(k.policy.maxReplicas).toBe(50);
    expect(k.sizing.quantile).toBe(0.9);
  });

  it('replaces an object such as maxStepPercent whole, never merging it', () => {
    const partial = `${text.split('targets:')[0]}targets:
  - namespace: jobs
    name: worker
    manifest: { format: plain, path: a.yaml }
    metrics: { load: { file: l.csv } }
    capacity: { perReplica: 1 }
    policy:
      budget: { perPR: { cores: 2 } }
`;
    const top = partial.replace('cooldown: 12h', 'cooldown: 12h\n  budget: { perPR: { monthly: 100 }, perNamespace: { monthly: 500 } }');
    const c = parseConfig(top, 'a.yaml').config;
    const p = effectiveSettings(c, c.targets[0]!).policy;
    expect(p.budget).toEqual({ perPR: { cores: 2 } });
  });

  it('does not mutate the defaults', () => {
    effectiveSettings(config, web);
    expect(POLICY_DEFAULTS.maxStepPercent).toEqual({ up: 100, down: 30 });
  });
});

describe('loadConfig from disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'augur-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file it read in every problem', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, MINIMAL.replace('perReplica: 100', 'perReplica: -1'));
    try {
      loadConfig(file);
      expect.fail('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        expect.objectContaining({ file, path: 'targets[0].capacity.perReplica', value: '-1', line: lineOf(MINIMAL, 'perReplica') }),
      ]);
    }
  });
});
