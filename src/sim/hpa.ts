// The HPA model of the "HPA floors" scenario, simple on purpose:
//
//   desired(t) = ceil(load(t) / (capacity × targetUtilization))      (targetUtilization 0.8)
//   hpa(t)     = max(desired(t - 1), ..., desired(t - W))             (W = ceil(stabilization / step), at least 1)
//   replicas(t) = max(minReplicas of the day, hpa(t))
//
// So the HPA sees load one step late (metrics scrape + HPA sync + pod start-up ≈ one 5-minute
// step: new pods serve from the next step on, scale-up lag = 1 step), and it scales down only
// when the load has been lower for the whole stabilization window (default 5 minutes, the
// window an HPA behaviour would set; the Kubernetes default is 300 s). No maxReplicas (the HPA
// may always add pods), no scaling policies beyond that. A missing load sample keeps the last
// desired count. Under-provisioning is judged at 100% utilization: load > replicas × capacity.

export interface HpaOptions {
  targetUtilization: number;
  /** Seconds of lower load before the HPA scales down. */
  stabilizationSeconds: number;
}

export const DEFAULT_HPA: HpaOptions = { targetUtilization: 0.8, stabilizationSeconds: 300 };

/** The HPA's own replica count at every step (before the floor), from the load at every step. */
export function hpaReplicas(load: readonly number[], capacity: number, stepSeconds: number, opts: HpaOptions = DEFAULT_HPA): number[] {
  const n = load.length;
  const desired = new Array<number>(n);
  let last = 1;
  for (let i = 0; i < n; i++) {
    const v = load[i] as number;
    if (Number.isFinite(v)) last = Math.max(1, Math.ceil(v / (capacity * opts.targetUtilization) - 1e-9));
    desired[i] = last;
  }
  const w = Math.max(1, Math.ceil(opts.stabilizationSeconds / stepSeconds - 1e-9));
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let top = 1;
    for (let k = 1; k <= w; k++) {
      const j = i - k;
      top = Math.max(top, j >= 0 ? (desired[j] as number) : (desired[0] as number) ?? 1);
    }
    out[i] = top;
  }
  return out;
}
