import { describe, expect, it } from 'vitest';
import { parseMeta, renderMeta } from './meta.js';
import { type ProposalMeta } from '../domain/forge.js';

const meta = (over: Partial<ProposalMeta> = {}): ProposalMeta => ({
  v: 1,
  key: 'shop/web',
  targets: ['Deployment/shop/web'],
  fingerprint: '0123456789abcdef',
  changes: [{ target: 'Deployment/shop/web', field: 'replicas', file: 'apps/web/deployment.yaml', from: '4', to: '6' }],
  cost: { cores: 1, memoryGiB: 0.5, monthly: 24.16, currency: 'USD' },
  at: 1_780_000_000,
  ...over,
});

describe('renderMeta / parseMeta', () => {
  it('round-trips the metadata through a hidden HTML comment', () => {
    const m = meta();
    const block = renderMeta(m);
    expect(block.startsWith('<!-- augur:meta ')).toBe(true);
    expect(block.endsWith(' -->')).toBe(true);
    expect(parseMeta(block)).toEqual(m);
  });

  it('finds the block inside a whole PR body', () => {
    const m = meta();
    const body = `Augur proposes...\n\n<!-- a reviewer's own comment -->\n\n| a | b |\n\n${renderMeta(m)}\n\ntrailing text\n`;
    expect(parseMeta(body)).toEqual(m);
  });

  it('round-trips a string containing "-->" without ending the comment early', () => {
    const m = meta({
      key: 'weird-->key',
      changes: [{ target: 'Deployment/shop/web', field: 'cpu.request', file: 'a -->b.yaml', from: '100m', to: '-->' }],
    });
    const block = renderMeta(m);
    // Only the closing marker may contain "-->".
    expect(block.indexOf('-->')).toBe(block.length - 3);
    expect(parseMeta(`text\n${block}\nmore`)).toEqual(m);
  });

  it('takes the last block when a body holds two', () => {
    const body = `${renderMeta(meta({ fingerprint: 'old' }))}\n${renderMeta(meta({ fingerprint: 'new' }))}`;
    expect(parseMeta(body)?.fingerprint).toBe('new');
  });

  it.each([
    ['no body', undefined],
    ['null', null],
    ['an empty body', ''],
    ['a body without the block', 'Just a PR.\n<!-- some comment -->'],
    ['broken JSON', '<!-- augur:meta {"v":1,"key": -->'],
    ['a block that is never closed', `<!-- augur:meta ${JSON.stringify(meta())}`],
    ['another version', `<!-- augur:meta ${JSON.stringify({ ...meta(), v: 2 })} -->`],
    ['a block without a key', `<!-- augur:meta ${JSON.stringify({ v: 1, fingerprint: 'x' })} -->`],
    ['a block without a fingerprint', `<!-- augur:meta ${JSON.stringify({ v: 1, key: 'x' })} -->`],
    ['a JSON array', '<!-- augur:meta [1,2,3] -->'],
    ['JSON null', '<!-- augur:meta null -->'],
  ])('gives undefined for %s', (_name, body) => {
    expect(parseMeta(body)).toBeUndefined();
  });
});
