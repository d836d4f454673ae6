// The scale bench's own pieces that can break silently: the guardrails file it generates must be
// one Augur accepts (else every measured cycle would be a config error), and a rerun must replace
// only BENCHMARKS.md's Scale section.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { scaleConfig, type ScaleWorkload } from '../bench/scale-data.js';
import { spliceScale } from '../bench/scale-report.js';
import { loadConfig } from '../src/config/load.js';

const ws: ScaleWorkload[] = [
  { namespace: 'team-000', name: 'svc-00000', replicas: 3, perReplica: 50, cpuRequest: '250m', memoryRequest: '256Mi', trace: 'x' },
  { namespace: 'team-000', name: 'svc-00001', replicas: 1, perReplica: 20, cpuRequest: '50m', memoryRequest: '512Mi', trace: 'y' },
];

it('generates a guardrails file Augur loads, with the state directory and every target', () => {
  const dir = mkdtempSync(join(tmpdir(), 'augur-bench-cfg-'));
  const file = join(dir, 'augur.yaml');
  writeFileSync(file, scaleConfig('http://127.0.0.1:9', ws, 'state: { dir: state }'));
  const { config } = loadConfig(file);
  expect(config.state?.dir).toBe('state');
  expect(config.targets.map((t) => `${t.namespace}/${t.name}`)).toEqual(['team-000/svc-00000', 'team-000/svc-00001']);
  expect(config.targets[1]!.metrics.cpu).toEqual({ query: 'augur_bench_cpu_cores{namespace="team-000",workload="svc-00001"}' });
  expect(config.policy?.freezeWindows).toHaveLength(2);
});

it('replaces only the Scale section of BENCHMARKS.md, wherever it is', () => {
  const before = '# Benchmarks\n\nintro\n\n## 1. Throughput\n\nA\n\n## Scale\n\nold figures\n\n## What this means\n\nB\n';
  const after = spliceScale(before, '## Scale\n\nnew figures\n');
  expect(after).toBe('# Benchmarks\n\nintro\n\n## 1. Throughput\n\nA\n\n## Scale\n\nnew figures\n\n## What this means\n\nB\n');
  expect(spliceScale('# Benchmarks\n\n## 1. Throughput\n\nA\n', '## Scale\n\nnew\n')).toBe('# Benchmarks\n\n## 1. Throughput\n\nA\n\n## Scale\n\nnew\n');
  expect(spliceScale(after, '## Scale\n\nthird\n')).not.toContain('new figures');
});
