import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, parseConfig, parseConfigLocated } from './load.js';
import { aliasExpansionProblem, quickValues } from './values.js';

const read = (p: string) => readFileSync(fileURLToPath(new URL(`../../${p}`, import.meta.url)), 'utf8');

describe('quickValues: the values `yaml` reads, without its document', () => {
  // Plain scalars where YAML 1.1, js-yaml's own core schema and YAML 1.2 disagree, and their neighbours.
  const scalars = [
    '~', 'null', 'Null', 'NULL', 'nULL', '', 'true', 'True', 'TRUE', 'tRUE', 'false', 'yes', 'no', 'on', 'off', 'y',
    '0', '-0', '+5', '007', '0755', '0o17', '0O17', '0x1F', '0X1F', '0xg', '0b101', '-0x1F', '+0x1F', '-0o7', '1_000', '99999999999999999999',
    '1e3', '1E-3', '-1e+3', '.5', '-.5', '+.5', '1.', '-1.', '.', '.e3', '1.5e', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '.NAN', '-.nan', '.Nan',
    '2026-01-01', '2026-01-01T10:00:00Z', '12:30', '1:30:00', '1.2.3', '5m', '100Mi', '0.5', '"1"', "'true'", '<<',
  ];
  it.each(scalars)('%s', (scalar) => {
    const text = `v: ${scalar}\nl: [${scalar || '~'}]\n`;
    const quick = quickValues(text);
    expect(quick, 'js-yaml read the file').toBeDefined();
    const expected = parse(text) as unknown;
    // toEqual treats -0 as 0 and NaN as NaN; Object.is tells them apart.
    expect(quick!.value).toEqual(expected);
    const v = (quick!.value as { v: unknown }).v;
    expect(Object.is(v, (expected as { v: unknown }).v), `${String(v)} against ${String((expected as { v: unknown }).v)}`).toBe(true);
  });

  it('leaves to the document what js-yaml cannot read as `yaml` does: a directive, a duplicate key, a missing anchor, two documents', () => {
    expect(quickValues('%YAML 1.1\n---\nv: 0755\n')).toBeUndefined();
    expect(quickValues('\uFEFF%YAML 1.1\n---\nv: 010\n')).toBeUndefined(); // 8 to yaml
    expect(quickValues('v: ! 5\n')).toBeUndefined();
    expect(quickValues('namespaces: !!map\n')).toBeUndefined(); // {} to js-yaml, "" to yaml
    expect(quickValues('namespaces:\n  ~: { a: 1 }\n')).toBeUndefined(); // "null" to js-yaml, "" to yaml
    expect(quickValues('namespaces:\n  [shop]: { a: 1 }\n')).toBeUndefined(); // "shop" to js-yaml, "[ shop ]" to yaml
    expect(quickValues('namespaces:\n  ? shop\n  : { a: 1 }\n')).toBeUndefined();
    expect(quickValues('v: "a\rb"\n')).toBeUndefined(); // a line break to js-yaml
    expect(quickValues('git:\n\t\nv: 1\n')).toBeUndefined(); // a blank line to js-yaml, a tab as indentation to yaml
    expect(quickValues('v: [1,\n2]\nw: x\n')).toBeUndefined(); // indented less than its block: a warning from js-yaml, an error from yaml
    // What is not one of those is read without the document.
    expect(quickValues('v: "a\r\n  b"\nw: { x: [1, 2] }\nq: \'rate(x{a!="b"}[5m])\'\n')).toBeDefined();
    expect(quickValues('a: 1\na: 2\n')).toBeUndefined();
    expect(quickValues('a: *nowhere\n')).toBeUndefined();
    expect(quickValues('a: 1\n---\nb: 2\n')).toBeUndefined();
    expect(quickValues('a: [1, 2\n')).toBeUndefined();
  });
});

describe('aliasExpansionProblem', () => {
  it('lets one anchor be aliased thousands of times: twice the values written', () => {
    const policy = { minReplicas: 2, maxReplicas: 10, maxStepPercent: { up: 100, down: 20 } };
    expect(aliasExpansionProblem({ targets: Array.from({ length: 5_000 }, (_, i) => ({ name: `s${i}`, policy })) })).toBeUndefined();
  });

  it('refuses a bomb, a cycle and a file that grows past a million values, without walking them whole', () => {
    let level: unknown = ['x'];
    for (let i = 0; i < 12; i++) level = Array(10).fill(level); // 10^12 values
    expect(aliasExpansionProblem(level)).toMatch(/^YAML aliases expand the file's \d+ values into more than 1,000,000 /);
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(aliasExpansionProblem(cycle)).toBeDefined();
    const a = Array(10).fill('x');
    expect(aliasExpansionProblem(Array(100_000).fill(a))).toBeDefined(); // 1,100,001 values from 100,011 written
    expect(aliasExpansionProblem(Array(90_000).fill(a))).toBeUndefined(); // 990,001
  });
});

describe('parseConfig reads a file as its located reading does', () => {
  const files = [
    ['config/demo/augur.yaml', read('config/demo/augur.yaml')],
    ['deploy/base/augur.yaml', read('deploy/base/augur.yaml')],
    ...[...read('README.md').matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .filter((t) => /^targets:/m.test(t) && /^(git|forge):/m.test(t))
      .map((t, i) => [`README example ${i + 1}`, t]),
  ];
  /** The config read, or the problems reported. */
  const outcome = (read: typeof parseConfig, text: string, name: string) => {
    try {
      return read(text, name).config;
    } catch (err) {
      return (err as Error).message;
    }
  };
  it.each(files)('%s', (name, text) => {
    expect(quickValues(text), 'read without the document').toBeDefined();
    expect(outcome(parseConfig, text, name)).toEqual(outcome(parseConfigLocated, text, name));
  });

  const fleet = (n: number) =>
    [
      'git: { url: remote.git }',
      'forge: { type: local, path: forge }',
      'metrics: { file: { dir: traces } }',
      'targets:',
      '  - { namespace: shop, name: web-0, manifest: { format: plain, path: apps/web-0.yaml }, metrics: { load: { file: w.csv } }, capacity: { perReplica: 100 }, policy: &standard { minReplicas: 2, maxReplicas: 40, maxStepPercent: { up: 100, down: 25 } } }',
      ...Array.from({ length: n - 1 }, (_, i) => `  - { namespace: shop, name: web-${i + 1}, manifest: { format: plain, path: apps/web-${i + 1}.yaml }, metrics: { load: { file: w.csv } }, capacity: { perReplica: 100 }, policy: *standard }`),
    ].join('\n');

  it('accepts one policy anchored once and aliased by 300 targets (yaml alone refused it past the 100th alias)', () => {
    const text = fleet(300);
    expect(quickValues(text)).toBeDefined();
    const { config } = parseConfig(text, 'fleet.yaml');
    expect(config.targets).toHaveLength(300);
    expect(config.targets[299]!.policy).toEqual(config.targets[0]!.policy);
    expect(config.targets[299]!.policy).toMatchObject({ minReplicas: 2, maxReplicas: 40 });
    expect(config).toEqual(parseConfigLocated(text, 'fleet.yaml').config);
  });

  it('places a problem in such a file at its line', () => {
    const text = fleet(150).replace('name: web-120,', 'name: web-120, replicas: 3,');
    const err = (() => {
      try {
        parseConfig(text, 'fleet.yaml');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toMatchObject([{ line: 125, path: 'targets[120].replicas', message: expect.stringMatching(/unknown key "replicas"/) }]);
  });
});
