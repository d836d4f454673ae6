// Helpers of the deploy/ tests: render a Kustomize directory with `kubectl kustomize`, validate
// objects against the Kubernetes schema, sort objects for comparison.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { CronJob } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import YAML from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');
export const DEPLOY = resolve(ROOT, 'deploy');

// Kubernetes objects as parsed YAML: deliberately loose, the tests look inside.
export type K8sObject = Record<string, any>;

/** `kubectl kustomize DIR`, parsed. Throws (so the test fails, never skips) when kubectl is missing. */
export function kustomize(dir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        'kubectl is not on PATH: the deploy/ tests render every overlay with `kubectl kustomize` (kubectl ≥ 1.27, Kustomize v5). Install kubectl and run them again.',
      );
    }
    throw new Error(`kubectl kustomize ${dir} failed: ${e.stderr ?? e.message}`);
  }
  return YAML.parseAllDocuments(out)
    .map((d) => {
      if (d.errors.length) throw new Error(`kubectl kustomize ${dir}: unparsable output: ${d.errors[0]!.message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

const renders = new Map<string, K8sObject[]>();

/**
 * The render of one directory under deploy/, memoised. Called inside each test (not in a
 * beforeAll, which would make vitest report the tests as skipped): without kubectl, every test
 * that needs a render fails with the message above.
 */
export function rendered(dirUnderDeploy: string): K8sObject[] {
  let objects = renders.get(dirUnderDeploy);
  if (!objects) renders.set(dirUnderDeploy, (objects = kustomize(resolve(DEPLOY, dirUnderDeploy))));
  return objects;
}

export const keyOf = (o: K8sObject): string => `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

/** Objects in a stable order, for deep comparison of two renders. */
export function sorted(objects: K8sObject[]): K8sObject[] {
  return [...objects].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

export function find(objects: K8sObject[], kind: string, name?: string, namespace?: string): K8sObject {
  const hits = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name) && (namespace === undefined || o.metadata?.namespace === namespace));
  if (hits.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}${namespace ? ` in ${namespace}` : ''}, found ${hits.length}`);
  return hits[0]!;
}

// --- Schema validation --------------------------------------------------------------------------
//
// Two checks per object, both from the Kubernetes OpenAPI definitions:
//  1. kubernetes-models (4.x, Kubernetes 1.32 schemas, compiled with ajv): types, required fields,
//     enums, formats;
//  2. unknown fields, which that schema allows (the OpenAPI definitions do not forbid extra
//     properties) but the API server rejects under `kubectl apply --validate=strict` (the default):
//     every key is looked up in the attribute maps of @kubernetes/client-node's generated models
//     (OpenAPI v1.33), so a typo such as `readOnlyRootFileSystem` fails here.

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: Record<string, { model: ModelClass; clientType: string }> = {
  'v1/ConfigMap': { model: ConfigMap as unknown as ModelClass, clientType: 'V1ConfigMap' },
  'v1/Service': { model: Service as unknown as ModelClass, clientType: 'V1Service' },
  'v1/ServiceAccount': { model: ServiceAccount as unknown as ModelClass, clientType: 'V1ServiceAccount' },
  'apps/v1/Deployment': { model: Deployment as unknown as ModelClass, clientType: 'V1Deployment' },
  'batch/v1/CronJob': { model: CronJob as unknown as ModelClass, clientType: 'V1CronJob' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy as unknown as ModelClass, clientType: 'V1NetworkPolicy' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget as unknown as ModelClass, clientType: 'V1PodDisruptionBudget' },
  'rbac.authorization.k8s.io/v1/ClusterRole': { model: ClusterRole as unknown as ModelClass, clientType: 'V1ClusterRole' },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { model: ClusterRoleBinding as unknown as ModelClass, clientType: 'V1ClusterRoleBinding' },
  'rbac.authorization.k8s.io/v1/Role': { model: Role as unknown as ModelClass, clientType: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { model: RoleBinding as unknown as ModelClass, clientType: 'V1RoleBinding' },
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': { model: ValidatingAdmissionPolicy as unknown as ModelClass, clientType: 'V1ValidatingAdmissionPolicy' },
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': { model: ValidatingAdmissionPolicyBinding as unknown as ModelClass, clientType: 'V1ValidatingAdmissionPolicyBinding' },
};

export const SCHEMA_KINDS = Object.keys(MODELS);

interface Attribute {
  baseName: string;
  type: string;
}
const clientModels = k8s as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] } | undefined>;
const OPAQUE = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object', 'IntOrString']);

function unknownFields(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined || OPAQUE.has(type)) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return void out.push(`${path}: expected a list`);
    value.forEach((v, i) => unknownFields(v, array[1]!, `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value !== 'object' || Array.isArray(value)) return void out.push(`${path}: expected a map`);
    for (const [k, v] of Object.entries(value)) unknownFields(v, map[1]!, `${path}.${k}`, out);
    return;
  }
  const attrs = clientModels[type]?.getAttributeTypeMap?.();
  if (!attrs) return void out.push(`${path}: no model for type ${type}`);
  if (typeof value !== 'object' || Array.isArray(value)) return void out.push(`${path}: expected an object (${type})`);
  for (const [k, v] of Object.entries(value)) {
    const attr = attrs.find((a) => a.baseName === k);
    if (!attr) out.push(`${path}.${k}: unknown field (not in ${type})`);
    else unknownFields(v, attr.type, `${path}.${k}`, out);
  }
}

/** Every schema problem of one object, as readable lines; empty when it is valid. */
export function schemaProblems(obj: K8sObject): string[] {
  const where = keyOf(obj);
  const entry = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!entry) return [`${where}: no schema for ${obj.apiVersion} ${obj.kind} in this test (add it to MODELS)`];
  const problems: string[] = [];
  try {
    new entry.model(obj as never).validate();
  } catch (err) {
    problems.push(`${where}: ${(err as Error).message}`);
  }
  const unknown: string[] = [];
  unknownFields(obj, entry.clientType, '', unknown);
  problems.push(...unknown.map((u) => `${where}: ${u.replace(/^\./, '')}`));
  return problems;
}
