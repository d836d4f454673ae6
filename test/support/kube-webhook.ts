// A validating admission webhook for the real test API server: an HTTPS server on loopback (its
// own CA and a certificate for 127.0.0.1, made with openssl) that answers AdmissionReview v1 and
// denies what `decide` returns a message for, as Kyverno or Gatekeeper would. The API server
// calls it for the requests the configuration's rule matches, dry runs included
// (sideEffects: None).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AdmissionReview {
  request: { uid: string; operation: string; dryRun?: boolean; object?: Record<string, any>; userInfo?: { username?: string } };
}

export interface Webhook {
  url: string;
  reviews: AdmissionReview[];
  /** A ValidatingWebhookConfiguration (labelled augur-test=true) that sends the matching requests here. */
  configuration(name: string, rule: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }): object;
  close(): Promise<void>;
}

export async function startWebhook(decide: (review: AdmissionReview) => string | undefined): Promise<Webhook> {
  const dir = mkdtempSync(join(tmpdir(), 'augur-webhook-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=webhook-ca');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '1', '-extfile', 'ext');
  const reviews: AdmissionReview[] = [];
  const server = createServer({ key: readFileSync(join(dir, 'tls.key')), cert: readFileSync(join(dir, 'tls.crt')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdmissionReview;
      reviews.push(review);
      const denied = decide(review);
      const response = { uid: review.request.uid, allowed: denied === undefined, ...(denied !== undefined ? { status: { code: 403, message: denied } } : {}) };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/validate`;
  const caBundle = readFileSync(join(dir, 'ca.crt')).toString('base64');
  return {
    url,
    reviews,
    configuration: (name, rule) => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: name.replace(/[^a-z0-9.-]/g, '-'), labels: { 'augur-test': 'true' } },
      webhooks: [{ name, clientConfig: { url, caBundle }, rules: [rule], admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Fail', timeoutSeconds: 5 }],
    }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          r();
        });
      }),
  };
}
