import { describe, expect, it } from 'vitest';
import type { RepoView } from '../domain/workload.js';
import { Ctx } from './yaml-util.js';

/** A view over a mutable map of files, counting the reads. */
function view(files: Map<string, string>, snapshot: boolean) {
  const reads = { n: 0 };
  const repo: RepoView = {
    ...(snapshot ? { snapshot: true } : {}),
    read: (p) => (reads.n++, files.get(p)),
    list: (d) => [...files.keys()].filter((k) => (d === '' ? !k.includes('/') : k.startsWith(`${d}/`) && !k.slice(d.length + 1).includes('/'))),
  };
  return { repo, reads };
}

describe('Ctx over one view', () => {
  it('parses a file once for every Ctx (every target) over the view, and the parse is frozen', () => {
    const files = new Map([['a.yaml', 'kind: Deployment\nmetadata: { name: web }\n']]);
    const { repo } = view(files, true);
    const first = new Ctx(repo).parsed('a.yaml')!;
    const second = new Ctx(repo).parsed('a.yaml')!;
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.docs)).toBe(true);
    // A view whose file changed parses it again.
    files.set('a.yaml', 'kind: StatefulSet\n');
    const third = new Ctx(repo).parsed('a.yaml')!;
    expect(third).not.toBe(first);
    expect(third.docs[0]?.toJS()).toEqual({ kind: 'StatefulSet' });
  });

  it('walks a snapshot view once for a search across it, and a live view every time', () => {
    const files = new Map([
      ['hpa.yaml', 'kind: HorizontalPodAutoscaler\nspec: { scaleTargetRef: { name: web } }\n'],
      ['web.yaml', 'kind: Deployment\n'],
    ]);
    const snap = view(files, true);
    expect(new Ctx(snap.repo).yamlFilesMentioning('', 'scaleTargetRef', 1 << 20)).toEqual(['hpa.yaml']);
    const after = snap.reads.n;
    expect(new Ctx(snap.repo).yamlFilesMentioning('', 'scaleTargetRef', 1 << 20)).toEqual(['hpa.yaml']);
    expect(snap.reads.n).toBe(after);
    const live = view(files, false);
    new Ctx(live.repo).yamlFilesMentioning('', 'scaleTargetRef', 1 << 20);
    files.set('keda.yaml', 'kind: ScaledObject\nspec: { scaleTargetRef: { name: web } }\n');
    expect(new Ctx(live.repo).yamlFilesMentioning('', 'scaleTargetRef', 1 << 20)).toEqual(['hpa.yaml', 'keda.yaml']);
  });
});
