// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews the
// Lease before it expires; another replica takes it over only once it has expired; every write
// carries the resourceVersion it read, so two replicas racing get one 409 and one leadership.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { makeApiClient } from './http.js';

export interface LeaseOptions {
  namespace: string;
  name: string;
  /** This replica's identity (the pod name). */
  identity: string;
  leaseDurationSeconds: number;
  now?: () => Date;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly now: () => Date;

  constructor(kubeConfig: KubeConfig, private readonly opts: LeaseOptions) {
    // A renewal that hangs past a third of the lease would be useless: abort it.
    this.api = makeApiClient(kubeConfig, CoordinationV1Api, Math.max(1000, (opts.leaseDurationSeconds * 1000) / 3));
    this.now = opts.now ?? (() => new Date());
  }

  /** Acquires the Lease, or renews it when held; false when another replica holds it. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (codeOf(err) !== 404) throw err;
      return this.write(() => this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: this.spec(0, true) } }));
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    if (holder === identity) {
      return this.write(() => this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: { ...spec, renewTime: new V1MicroTime(this.now().getTime()) } } }));
    }
    const renewed = spec.renewTime ? new Date(String(spec.renewTime)).getTime() : 0;
    const duration = (spec.leaseDurationSeconds ?? this.opts.leaseDurationSeconds) * 1000;
    if (holder && renewed + duration > this.now().getTime()) return false;
    // Free or expired: take it over.
    return this.write(() => this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: this.spec((spec.leaseTransitions ?? 0) + 1, true) } }));
  }

  /** Gives the Lease up on a graceful stop, so another replica need not wait for it to expire. */
  async release(): Promise<void> {
    const { namespace, name, identity } = this.opts;
    const lease = await this.api.readNamespacedLease({ name, namespace }).catch(() => undefined);
    if (!lease || lease.spec?.holderIdentity !== identity) return;
    await this.write(() =>
      this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: { ...lease.spec, leaseDurationSeconds: 1, renewTime: new V1MicroTime(this.now().getTime() - 2000) } } }),
    );
  }

  private spec(transitions: number, acquire: boolean): V1Lease['spec'] {
    const now = this.now().getTime();
    return {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: this.opts.leaseDurationSeconds,
      renewTime: new V1MicroTime(now),
      ...(acquire ? { acquireTime: new V1MicroTime(now) } : {}),
      leaseTransitions: transitions,
    };
  }

  /** A 409 means another replica wrote first: not the leader, not an error. */
  private async write(fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      if (codeOf(err) === 409) return false;
      throw err;
    }
  }
}

function codeOf(err: unknown): number | undefined {
  const c = (err as { code?: unknown })?.code;
  return typeof c === 'number' ? c : undefined;
}
