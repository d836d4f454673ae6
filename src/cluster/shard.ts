// Sharding targets across replicas for large fleets: each replica owns the targets whose stable
// hash falls on its index, and holds its own Lease.

/** Stable shard of a target ("Kind/namespace/name") among `shards` replicas (FNV-1a). */
export function shardOf(targetId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < targetId.length; i++) {
    h ^= targetId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}
