// Guardrails files as teams write them, wrong in the ways they usually are: each must give one clear
// problem naming the file, the line, the field, the value and the fix, and never print a secret.
import { describe, expect, it } from 'vitest';
import { activeFreeze } from '../guardrails/time.js';
import { lineOf, messageOf, problemsOf } from './config.test-helper.js';

/** A file as the README writes one: github forge, prometheus, a token by reference, two targets. */
const REAL = `git:
  url: https://github.com/acme/manifests.git
forge:
  type: github
  owner: acme
  repo: manifests
  token: { env: GITHUB_TOKEN }
prometheus:
  url: http://prometheus.monitoring:9090
schedule: { cron: "0 6 * * 1-5", timezone: Europe/Berlin }
targets:
  - namespace: payments
    name: frontend
    manifest: { format: kustomize, path: deploy/overlays/production }
    metrics:
      load: { query: 'sum(rate(http_requests_total{namespace="payments", service="frontend"}[5m]))' }
    capacity: { perReplica: 120 }
  - namespace: payments
    name: api
    manifest: { format: kustomize, path: deploy/overlays/api }
    metrics:
      load: { query: 'sum(rate(http_requests_total{namespace="payments", service="api"}[5m]))' }
    capacity: { perReplica: 80 }
`;

describe('YAML syntax errors show the line of the mistake', () => {
  it('an unclosed quote in the last target is placed at its opening quote, not at the end of the file', () => {
    const text = REAL.replace(`service="api"}[5m]))' }`, `service="api"}[5m])) }`);
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    const [p] = problems;
    const line = lineOf(text, 'service="api"');
    expect(p!.line).toBe(line);
    expect(p!.column).toBe(text.split('\n')[line - 1]!.indexOf("'") + 1);
    expect(p!.excerpt!.join('\n')).toContain(`> ${line} |       load: { query: 'sum(`);
    expect(p!.message).toMatch(/quote/);
    expect(p!.message).not.toMatch(/indentation/);
  });

  it('a second document (a trailing ---) is explained to the person editing the file, not with the parser API', () => {
    const text = `${REAL}---\n`;
    const [p, ...rest] = problemsOf(text);
    expect(rest).toEqual([]);
    expect(p!.line).toBe(lineOf(text, '---'));
    expect(p!.message).not.toMatch(/parseAllDocuments/);
    expect(p!.message).toMatch(/one (YAML )?document/);
    expect(p!.message).toMatch(/remove/);
  });

  it('a byte-order mark does not shift the columns of line 1', () => {
    const p = problemsOf(`\uFEFF${REAL.replace('git:\n  url: https://github.com/acme/manifests.git\n', 'git: 5\n')}`).find((x) => x.path === 'git');
    expect(p).toMatchObject({ line: 1, column: 'git: '.length + 1 });
  });
});

describe('no secret is printed', () => {
  const secret = 'Zq8vN2mW4xR7tY1uK5pL9sD3';

  it.each([
    ['a misspelt token key', `webhooks:\n  alertmanager: { tokn: ${secret} }\n`, 'webhooks.alertmanager.tokn', 'token'],
    ['a misspelt webhook secret key', `webhooks:\n  github: { scret: ${secret} }\n`, 'webhooks.github.scret', 'secret'],
    ['a misspelt forge token key', '', 'forge.tokne', 'token'],
  ])('%s: the value is redacted, the suggestion kept', (_name, extra, path, meant) => {
    const text = extra ? `${REAL}${extra}` : REAL.replace('  token: { env: GITHUB_TOKEN }', `  tokne: ${secret}`);
    const problems = problemsOf(text);
    const p = problems.find((x) => x.path === path);
    expect(p?.message).toContain(`did you mean "${meant}"`);
    expect(messageOf(text)).not.toContain(secret);
  });

  it('an environment variable written as ${NAME} is refused with its name, not accepted and then "not set" at run time', () => {
    const problems = problemsOf(REAL.replace('token: { env: GITHUB_TOKEN }', 'token: { env: "${GITHUB_TOKEN}" }'));
    const p = problems.find((x) => x.path === 'forge.token.env');
    expect(p?.message).toContain('GITHUB_TOKEN');
  });

  it('a bearer token written inline in prometheus.auth says how to write it', () => {
    const text = REAL.replace('  url: http://prometheus.monitoring:9090\n', `  url: http://prometheus.monitoring:9090\n  auth: { bearer: ${secret} }\n`);
    const p = problemsOf(text).find((x) => x.path === 'prometheus.auth');
    expect(p?.message).not.toBe('does not match any allowed form');
    expect(p?.message).toContain('{ env: NAME }');
    expect(messageOf(text)).not.toContain(secret);
  });
});

describe('values', () => {
  it('a duration written as a bare number says to add a unit', () => {
    const p = problemsOf(`${REAL}policy:\n  cooldown: 90\n`).find((x) => x.path === 'policy.cooldown');
    expect(p?.message).toMatch(/unit/);
  });

  it('a section whose keys are all commented out says it is empty, in the words of the file', () => {
    const problems = problemsOf(`${REAL}namespaces:\n#  payments:\n#    policy: { protected: true }\n`);
    const p = problems.find((x) => x.path === 'namespaces');
    expect(p?.message).not.toMatch(/record|object/);
    expect(p?.message).toMatch(/empty/);
  });

  it('a freeze window whose cron the freeze guardrail cannot read is refused by validate', () => {
    // Nightly, 22:00 to 02:00: node-cron (validate) took it, croner (the guardrail) throws on it.
    const window = { cron: '0 22-2 * * *', duration: 3600 };
    expect(() => activeFreeze([window], Date.UTC(2026, 0, 1) / 1000, 'UTC')).toThrow();
    const text = `${REAL}policy:\n  freezeWindows:\n    - { cron: "0 22-2 * * *", duration: 1h, reason: nightly batch }\n`;
    const p = problemsOf(text).find((x) => x.path === 'policy.freezeWindows[0].cron');
    expect(p).toMatchObject({ line: lineOf(text, '22-2'), value: '"0 22-2 * * *"' });
  });
});

describe('environments are checked as namespaces are', () => {
  it('a misspelt time zone or an impossible cron in an environment is refused at load, not thrown mid-cycle', () => {
    const text = `${REAL.replace('    name: api\n', '    name: api\n    environment: production\n')}environments:\n  production:\n    policy:\n      freezeWindows:\n        - { cron: "0 25 * * 5", duration: 1h, timezone: Europe/Berln }\n    sizing:\n      schedule: { timezone: Europe/Pariss }\n`;
    const paths = problemsOf(text).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['environments.production.policy.freezeWindows[0].cron', 'environments.production.policy.freezeWindows[0].timezone', 'environments.production.sizing.schedule.timezone']),
    );
  });
});

describe('anchors and merge keys', () => {
  it('a merge key (<<: *web) is one problem per use saying merge keys are not supported, not "did you mean up" and every merged key missing', () => {
    const text = REAL.replace('  - namespace: payments\n    name: frontend', '  - &web\n    namespace: payments\n    name: frontend').replace(
      /  - namespace: payments\n    name: api\n[\s\S]*$/,
      '  - <<: *web\n    name: api\n    manifest: { format: kustomize, path: deploy/overlays/api }\n',
    );
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'targets[1].<<', line: lineOf(text, '<<: *web') });
    expect(problems[0]!.message).toMatch(/merge key/);
    expect(problems[0]!.message).not.toMatch(/did you mean/);
  });
});

describe('one problem per mistake', () => {
  const target = (i: number) => `  - namespace: payments\n    name: web-${i}\n    manifest: { format: plain, path: apps/web-${i}.yaml }\n    metrics:\n      load: { query: 'up{service="web-${i}"}' }\n    capacity: { perReplica: 100 }\n`;
  const targets = Array.from({ length: 200 }, (_, i) => target(i)).join('');

  it('a top-level minReplicas above maxReplicas is one problem where it is written, however many targets inherit it', () => {
    const text = `${REAL.split('targets:')[0]}policy:\n  minReplicas: 5\n  maxReplicas: 3\ntargets:\n${targets}`;
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'policy.minReplicas', line: lineOf(text, 'minReplicas: 5'), value: '5' });
    expect(problems[0]!.message).toContain('minReplicas 5 is above maxReplicas 3');
  });

  it('a misspelt prometheus section is the typo and one problem for the queries that need it, not one per target', () => {
    const text = `${REAL.split('targets:')[0]!.replace('prometheus:', 'promethus:')}targets:\n${targets}`;
    const problems = problemsOf(text);
    expect(problems.map((p) => p.path)).toEqual(['promethus', 'targets[0].metrics.load']);
    expect(problems[0]!.message).toContain('did you mean "prometheus"');
    expect(problems[1]!.message).toContain('and 199 more');
  });
});
