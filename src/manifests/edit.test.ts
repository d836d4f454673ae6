import { describe, expect, it } from 'vitest';
import type { Edit } from '../domain/workload.js';
import { ManifestError, applyEdits, editFor, locateWorkload } from './index.js';
import { memRepo } from './testing.js';

const text = `spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: app
          resources:
            requests: {cpu: 100m, memory: "64Mi"}
`;
const doc = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n${text}`;
const repo = memRepo({ 'web.yaml': doc });
const id = { kind: 'Deployment', namespace: 'default', name: 'web' } as const;

describe('applyEdits / editFor', () => {
  const m = locateWorkload(repo, id, { format: 'plain', path: 'web.yaml' });

  it('editFor formats the value for the field', () => {
    const e = editFor(m.fields['cpu.request']!, 1.5);
    expect(e).toMatchObject({ field: 'cpu.request', file: 'web.yaml', from: '100m', to: '1500m', style: 'plain' });
    expect(editFor(m.fields['memory.request']!, 2 ** 30)).toMatchObject({ from: '64Mi', to: '1Gi', style: 'double' });
  });

  it('edits flow-style maps in place too, several edits in one file', () => {
    const out = applyEdits(repo, [editFor(m.fields['cpu.request']!, 0.25), editFor(m.fields['memory.request']!, 96 * 2 ** 20), editFor(m.fields.replicas!, 3)]);
    expect(out.get('web.yaml')).toBe(doc.replace('{cpu: 100m, memory: "64Mi"}', '{cpu: 250m, memory: "96Mi"}').replace('replicas: 2', 'replicas: 3'));
  });

  it('refuses an edit whose range no longer holds `from`', () => {
    const e = editFor(m.fields.replicas!, 3);
    const changed = memRepo({ 'web.yaml': doc.replace('replicas: 2', 'replicas: 5') });
    expect(() => applyEdits(changed, [e])).toThrow(ManifestError);
    expect(() => applyEdits(changed, [e])).toThrow(/web\.yaml:6: spec\.replicas: expected 2 at offsets \[\d+, \d+\) but found "5"; the file changed since it was read/);
    const shifted = memRepo({ 'web.yaml': `# new comment\n${doc}` });
    expect(() => applyEdits(shifted, [e])).toThrow(/the file changed/);
  });

  it('checks the quote style as well as the text', () => {
    const e: Edit = { ...editFor(m.fields['memory.request']!, 2 ** 27), style: 'plain' };
    expect(() => applyEdits(repo, [e])).toThrow(/expected 64Mi .* found "\\"64Mi\\""/);
  });

  it('refuses overlapping edits, accepts exact duplicates', () => {
    const a = editFor(m.fields.replicas!, 3);
    expect(applyEdits(repo, [a, { ...a }]).get('web.yaml')).toContain('replicas: 3');
    expect(() => applyEdits(repo, [a, { ...a, to: '4' }])).toThrow(/edits overlap/);
  });

  it('refuses to write text that is not a quantity', () => {
    const a = editFor(m.fields.replicas!, 3);
    for (const to of ['', '3 # x', "3'", 'abc', '3\n', '{a: 1}']) expect(() => applyEdits(repo, [{ ...a, to }])).toThrow(/refusing to write/);
  });

  it('a missing file is a ManifestError', () => {
    const a = editFor(m.fields.replicas!, 3);
    expect(() => applyEdits(repo, [{ ...a, file: 'gone.yaml' }])).toThrow(/gone\.yaml: no such file/);
  });

  it('returns only the files edited; no edits, no files', () => {
    expect(applyEdits(repo, []).size).toBe(0);
    expect([...applyEdits(repo, [editFor(m.fields.replicas!, 2)]).entries()]).toEqual([['web.yaml', doc]]);
  });
});
