import { expect, it } from 'vitest';
import { shardOf } from './shard.js';

it('spreads targets over shards stably', () => {
  const ids = Array.from({ length: 300 }, (_, i) => `Deployment/ns${i % 7}/w${i}`);
  const counts = [0, 0, 0];
  for (const id of ids) counts[shardOf(id, 3)]!++;
  expect(Math.min(...counts)).toBeGreaterThan(70);
  expect(shardOf('Deployment/shop/web', 3)).toBe(shardOf('Deployment/shop/web', 3));
});
