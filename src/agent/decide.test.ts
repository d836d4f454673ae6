// decide() is pure: facts in (built here in memory, as gather would read them), a decision out.
import { describe, expect, it } from 'vitest';
import { POLICY_DEFAULTS, SIZING_DEFAULTS } from '../config/schema.js';
import { heldBy } from '../domain/decision.js';
import type { Facts } from '../domain/facts.js';
import type { Series } from '../domain/series.js';
import type { WorkloadId } from '../domain/workload.js';
import { selectAugur } from '../forecast/registry.js';
import { locateWorkload } from '../manifests/index.js';
import { memRepo } from '../manifests/testing.js';
import { decide, type Settings } from './decide.js';

const NOW = Date.parse('2026-12-05T06:00:00Z') / 1000;
const STEP = 300;
const id: WorkloadId = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const FILE = 'apps/web/deployment.yaml';
const deployment = (replicas: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: ${replicas}\n  template:\n    spec:\n      containers:\n        - name: web\n          resources:\n            requests:\n              cpu: 250m\n`;

/** 14 days of a daily wave peaking at `peak`, ending at NOW. */
function load(peak: number, days = 14): Series {
  const n = (days * 86_400) / STEP;
  const timestamps = Array.from({ length: n }, (_, i) => NOW - (n - 1 - i) * STEP);
  const values = timestamps.map((t) => peak * (0.55 + 0.45 * Math.sin((2 * Math.PI * (t % 86_400)) / 86_400)));
  return { timestamps, values, stepSeconds: STEP };
}

function facts(over: Partial<Facts> = {}, replicas = 4): Facts {
  const files = { [FILE]: deployment(replicas) };
  const site = locateWorkload(memRepo(files), id, { format: 'plain', path: FILE });
  return { id, now: NOW, manifest: { site, files: new Map(Object.entries(files)) }, metrics: { load: { series: load(3000), source: 'q' } }, prs: [], ...over };
}

const settings: Settings = { policy: POLICY_DEFAULTS, sizing: SIZING_DEFAULTS, capacity: { perReplica: 300 }, timezone: 'UTC' };
const forecast = (_key: string, history: Series, opts: Parameters<typeof selectAugur>[1]) => selectAugur(history, opts);

describe('decide', () => {
  it('proposes from the facts, with the edit that writes the change where the manifest has it', () => {
    const d = decide(facts(), settings, forecast);
    expect(d.decision.verdict).toBe('propose');
    const replicas = d.decision.changes.find((c) => c.field === 'replicas')!;
    expect(replicas.current).toBe(4);
    expect(replicas.proposed).toBeGreaterThan(4);
    expect(d.evidence?.edits).toEqual([expect.objectContaining({ field: 'replicas', file: FILE, from: '4', to: String(replicas.proposed) })]);
  });

  it('holds on the manifest without reading anything else: nothing to forecast', () => {
    let asked = 0;
    const d = decide(facts({ manifest: { problem: 'apps/web/deployment.yaml: no such file' } }), settings, (...a) => (asked++, forecast(...a)));
    expect(heldBy(d.decision)).toEqual({ rule: 'manifest', effect: 'held', problem: 'apps/web/deployment.yaml: no such file' });
    expect(asked).toBe(0);
    expect(d.evidence).toBeUndefined();
  });

  it('holds a workload whose live values differ from Git, with the difference', () => {
    const live = { id, replicas: 9, fields: {}, objects: { workload: {} } };
    const d = decide(facts({ live: { workload: live } }), settings, forecast);
    expect(heldBy(d.decision)).toEqual({ rule: 'drift', effect: 'held', differences: [{ field: 'replicas', git: 4, live: 9 }] });
  });

  it('holds stale data rather than forecast a filled-in tail', () => {
    const s = load(3000);
    const stale = { ...s, values: s.values.map((v, i) => (i >= s.values.length - 12 ? Number.NaN : v)) };
    const d = decide(facts({ metrics: { load: { series: stale, source: 'q' } } }), settings, forecast);
    expect(heldBy(d.decision)).toEqual({ rule: 'metrics', effect: 'held', metric: 'load', cause: 'stale', ageSeconds: 3600, windowEnd: NOW });
  });

  it('holds when no model can forecast the history, and says why', () => {
    const d = decide(facts({ metrics: { load: { series: load(3000, 0.02), source: 'q' } } }), settings, forecast);
    expect(heldBy(d.decision)).toMatchObject({ rule: 'minHistory', effect: 'held', forecastError: expect.stringContaining('steps') });
  });

  it('notes a cluster it could not read, and an autoscaler Git does not show, as findings', () => {
    const unread = decide(facts({ live: { error: 'forbidden' } }), settings, forecast);
    expect(unread.findings).toContainEqual({ kind: 'clusterUnread', error: 'forbidden' });
    const live = { id, replicas: 4, fields: {}, autoscaledBy: 'hpa' as const, objects: { workload: {} } };
    const fight = decide(facts({ live: { workload: live } }), settings, forecast);
    expect(fight.findings).toContainEqual({ kind: 'autoscalerFight', by: 'hpa', replicas: 4 });
    expect(fight.decision.changes.find((c) => c.field === 'replicas')).toBeUndefined();
  });

  it('is the same decision for the same facts', () => {
    expect(decide(facts(), settings, forecast)).toEqual(decide(facts(), settings, forecast));
  });

  describe('a field that is not in Git', () => {
    const noReplicas = deployment(4).replace('  replicas: 4\n', '');
    const at = noReplicas.indexOf('  template:');
    const withInsert = (over: Partial<Facts> = {}, peak = 600): Facts => {
      const base = facts({ metrics: { load: { series: load(peak), source: 'q' } }, ...over });
      if ('problem' in base.manifest) throw new Error('no site');
      const replicas = { field: 'replicas' as const, file: FILE, yamlPath: 'spec.replicas', documentIndex: 0, range: [at, at] as [number, number], raw: '', style: 'plain' as const, insert: { prefix: '  replicas: ', suffix: '\n' } };
      return { ...base, manifest: { site: { ...base.manifest.site, fields: { ...base.manifest.site.fields, replicas } }, files: new Map([[FILE, noReplicas]]) } };
    };

    it("proposes adding spec.replicas from Kubernetes' default of 1, and says it assumed it", () => {
      const d = decide(withInsert(), settings, forecast);
      expect(d.decision.verdict).toBe('propose');
      expect(d.decision.changes.find((c) => c.field === 'replicas')).toMatchObject({ current: 1, proposed: 2 });
      expect(d.findings).toContainEqual({ kind: 'absent', field: 'replicas', file: FILE, yamlPath: 'spec.replicas', value: 1, source: 'default' });
      expect(d.evidence?.edits).toEqual([expect.objectContaining({ field: 'replicas', from: '', to: '2', insert: { prefix: '  replicas: ', suffix: '\n' } })]);
    });

    it('takes the live count as today\'s value when the cluster was read', () => {
      const live = { id, replicas: 3, fields: {}, objects: { workload: {} } };
      const d = decide(withInsert({ live: { workload: live } }, 1200), settings, forecast);
      expect(d.findings).toContainEqual(expect.objectContaining({ kind: 'absent', field: 'replicas', value: 3, source: 'cluster' }));
      expect(d.decision.changes.find((c) => c.field === 'replicas')?.current).toBe(3);
    });

    it('holds, with the reason and the fix, when a field it would size cannot be edited', () => {
      const base = facts();
      if ('problem' in base.manifest) throw new Error('no site');
      const { replicas: _, ...fields } = base.manifest.site.fields;
      const problem = 'replicas: apps/web/deployment.yaml:7: spec.replicas is an alias (*count); edit the anchor &count by hand';
      const blocked = { ...base, manifest: { ...base.manifest, site: { ...base.manifest.site, fields, blocked: { replicas: problem } } } };
      const d = decide(blocked, settings, forecast);
      expect(heldBy(d.decision)).toEqual({ rule: 'manifest', effect: 'held', field: 'replicas', problem });
      // A field this cycle does not size (no memory was read) does not hold it.
      const memoryOnly = { ...base, manifest: { ...base.manifest, site: { ...base.manifest.site, blocked: { 'memory.request': 'x' } } } };
      expect(decide(memoryOnly, settings, forecast).decision.verdict).toBe('propose');
    });
  });
});

