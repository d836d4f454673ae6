// Who refused a request, from the API server's Status answer. A 403 is RBAC, a ResourceQuota, a
// ValidatingAdmissionPolicy or a webhook; a 422 is validation or a policy whose reason is Invalid.
// Each is told apart by the words the API server itself writes (stable across releases:
// plugin/pkg/admission and the RBAC authorizer), so the reader knows whom to ask (the words are
// describeDenial in src/forge/reasons.ts).
import type { Denial } from '../domain/cluster.js';

/** The Status message of an answer (client-node's ApiException or KubeHttpError: `code` and `body`). */
export function statusMessage(err: unknown): string {
  const body = (err as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      return body.slice(0, 500);
    }
  }
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return err instanceof Error ? err.message : String(err);
}

export function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown };
  return typeof e?.code === 'number' ? e.code : typeof e?.status === 'number' ? e.status : undefined;
}

/** The denial behind a 400..499 answer, read from its message. */
export function classifyDenial(status: number, message: string): Denial {
  const policy = /ValidatingAdmissionPolicy '([^']+)'(?: with binding '([^']+)')? denied request: ?(.*)$/s.exec(message);
  if (policy) return { by: 'policy', name: policy[1]!, ...(policy[2] ? { binding: policy[2] } : {}), message: policy[3]!.trim() };
  const webhook = /admission webhook "([^"]+)" denied the request:? ?(.*)$/s.exec(message);
  if (webhook) return { by: 'webhook', name: webhook[1]!, message: webhook[2]!.trim() };
  const quota = /exceeded quota: ([^,]+), requested: (.*?), used:/s.exec(message);
  if (quota) {
    const requested = quota[2]!.split(',').map((r) => r.trim().split('=')[0]!);
    return { by: 'quota', name: quota[1]!, message: message.replace(/^.*?is forbidden: /s, ''), counts: requested.length > 0 && requested.every((r) => r.startsWith('count/')) };
  }
  const rbac = /User "([^"]+)" cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)")?/.exec(message);
  if (status === 403 && rbac) {
    const resource = rbac[4] ? `${rbac[3]}.${rbac[4]}` : rbac[3]!;
    return { by: 'rbac', user: rbac[1]!, verb: rbac[2]!, resource, ...(rbac[5] ? { namespace: rbac[5] } : {}), message };
  }
  if (status === 422 || status === 400) return { by: 'invalid', message };
  return { by: 'other', status, message };
}
