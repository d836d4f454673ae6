// A cycle reads each manifest file once, however many targets look at it: a plain Deployment's
// HPA search reads the files beside it and, when none scales it, every file of the repository
// that could, so reading per target would make a cycle's reads grow with the square of the fleet.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCycle } from '../../src/agent/cycle.js';
import { buildMetrics, buildWorkspace } from '../../src/agent/wire.js';
import { prepareDemo } from '../../src/cli/demo.js';
import { loadConfig } from '../../src/config/load.js';
import type { RepoView } from '../../src/domain/workload.js';
import { LocalForge } from '../../src/forge/local/forge.js';
import { silent } from '../support/world.js';

const NOW = Math.floor(Date.parse('2026-12-05T06:00:00Z') / 1000);

it('reads each file of the checkout at most once per cycle', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'augur-reads-')), 'demo');
  const { config: file } = await prepareDemo(dir);
  // Three more targets on the same plain manifest directory's workloads: more targets, same files.
  const raw = parse(readFileSync(file, 'utf8')) as { targets: Record<string, unknown>[] };
  const plain = raw.targets.filter((t) => (t.manifest as { format: string }).format === 'plain');
  raw.targets.push(...plain.map((t) => ({ ...t, environment: 'copy' })));
  (raw as Record<string, unknown>).environments = { copy: {} };
  writeFileSync(file, stringify(raw));
  const loaded = loadConfig(file);
  const ws = buildWorkspace(loaded);
  const reads = new Map<string, number>();
  const counted = Object.create(ws, {
    view: {
      value: (): RepoView => {
        const v = ws.view();
        return { read: (p: string) => (reads.set(p, (reads.get(p) ?? 0) + 1), v.read(p)), list: (d: string) => v.list(d) };
      },
    },
  }) as typeof ws;
  const report = await runCycle({ config: loaded.config, metrics: buildMetrics(loaded, NOW), workspace: counted, forge: new LocalForge(join(dir, 'forge'), () => NOW), now: NOW, log: silent, dryRun: true });
  expect(report.outcomes.length).toBe(raw.targets.length);
  expect(report.outcomes.filter((o) => o.error)).toEqual([]);
  expect(reads.size).toBeGreaterThan(3);
  expect([...reads].filter(([, n]) => n > 1)).toEqual([]);
}, 120_000);
