import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { pathProblems } from './paths.js';

function setup(opts: { repo?: 'bare' | 'plain' | 'none'; trace?: boolean; kubeconfig?: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'augur-paths-'));
  if (opts.repo === 'bare') {
    mkdirSync(join(dir, 'remote.git'));
    writeFileSync(join(dir, 'remote.git', 'HEAD'), 'ref: refs/heads/main\n');
  }
  if (opts.repo === 'plain') mkdirSync(join(dir, 'remote.git'));
  mkdirSync(join(dir, 'traces'));
  if (opts.trace) writeFileSync(join(dir, 'traces', 'web.csv'), 'timestamp,value\n');
  if (opts.kubeconfig) writeFileSync(join(dir, 'kubeconfig'), 'apiVersion: v1\n');
  const file = join(dir, 'augur.yaml');
  writeFileSync(
    file,
    [
      'metrics:',
      '  file: { dir: traces }',
      'cluster:',
      '  kubeconfig: kubeconfig',
      'git:',
      '  url: remote.git',
      'forge:',
      '  type: local',
      '  path: forge',
      'targets:',
      '  - namespace: shop',
      '    name: web',
      '    manifest: { format: plain, path: web.yaml }',
      '    metrics:',
      '      load: { file: web.csv, unit: req/s }',
      '    capacity: { perReplica: 100 }',
      '',
    ].join('\n'),
  );
  return loadConfig(file);
}

describe('pathProblems: what the file names on this machine exists', () => {
  it('nothing to say when the repository, the traces and the kubeconfig are there', () => {
    expect(pathProblems(setup({ repo: 'bare', trace: true, kubeconfig: true }))).toEqual([]);
  });

  it('names each missing path with its line, the resolved path and the fix', () => {
    const problems = pathProblems(setup({ repo: 'none' }));
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['git.url', 6],
      ['targets[0].metrics.load.file', 15],
      ['cluster.kubeconfig', 4],
    ]);
    expect(problems[0]!.message).toMatch(/remote\.git does not exist: write the clone URL/);
    expect(problems[1]!.message).toMatch(/web\.csv does not exist: file metrics are read from metrics\.file\.dir/);
  });

  it('a directory that is not a git repository is said as such', () => {
    const [p] = pathProblems(setup({ repo: 'plain', trace: true, kubeconfig: true }));
    expect(p?.message).toMatch(/is not a git repository/);
  });
});
