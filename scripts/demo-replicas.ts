// Writes the demo's gateway-replicas.csv: the replicas the gateway's KEDA cpu trigger runs under
// the web-requests.csv load, so the demo's schedule PR is costed against a replica curve as it
// would be from kube-state-metrics. Derived, not observed: no public trace pairs a load with the
// replica count that served it. The trigger is the simulator's HPA model (sim/hpa.ts: one step
// late, five minutes of stabilization) at the gateway's capacity (1000 req/s per replica at the
// trigger's target) within the ScaledObject's bounds (minReplicaCount 4, maxReplicaCount 20).
// `npx tsx scripts/demo-replicas.ts` rewrites it; the demo test checks it still matches.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hpaReplicas } from '../src/sim/hpa.js';

const TRACES = fileURLToPath(new URL('../config/demo/traces/', import.meta.url));

/** The gateway-replicas.csv text for the web-requests.csv text. */
export function gatewayReplicasCsv(loadCsv: string): string {
  const rows = loadCsv.trim().split('\n').slice(1).map((l) => l.split(','));
  const load = rows.map((r) => Number(r[1]));
  const replicas = hpaReplicas(load, 1000, 300, { targetUtilization: 1, stabilizationSeconds: 300 }).map((r) => Math.min(20, Math.max(4, r)));
  return ['timestamp,value', ...rows.map((r, i) => `${r[0]},${replicas[i]}`)].join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(`${TRACES}gateway-replicas.csv`, gatewayReplicasCsv(readFileSync(`${TRACES}web-requests.csv`, 'utf8')));
}
