import type { FieldKey } from './workload.js';
import { ManifestError } from './errors.js';

const COUNT_FIELDS: ReadonlySet<FieldKey> = new Set<FieldKey>(['replicas', 'hpa.minReplicas', 'hpa.maxReplicas']);

/** True for the fields that hold a count of pods (replicas, HPA bounds) rather than a resource quantity. */
export function isCountField(field: FieldKey): boolean {
  return COUNT_FIELDS.has(field);
}

/** True for the CPU fields (values in cores). */
export function isCpuField(field: FieldKey): boolean {
  return field === 'cpu.request' || field === 'cpu.limit';
}

const MULTIPLIERS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
/** A memory size as a person writes it in a config: a plain number of bytes with a Kubernetes suffix (the table above). */
export const MEMORY_SIZE = new RegExp(`^\\d+(\\.\\d+)?(${Object.keys(MULTIPLIERS).filter(Boolean).sort((a, b) => b.length - a.length).join('|')})?$`);

/** Sub-unit suffixes: divide rather than multiply, so "100m" is exactly the double nearest 0.1. */
const DIVISORS: Record<string, number> = { m: 1e3, u: 1e6, n: 1e9 };

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|([eE][+-]?\d+))?$/;

const MAX_COUNT = 2 ** 31 - 1;

function unitOf(field: FieldKey): string {
  if (isCountField(field)) return 'a replica count';
  return isCpuField(field) ? 'a CPU quantity' : 'a memory quantity';
}

function examples(field: FieldKey): string {
  if (isCountField(field)) return 'a whole number such as 3';
  return isCpuField(field) ? 'e.g. 250m, 0.5 or 2' : 'e.g. 512Mi, 1Gi, 500M or 1e9';
}

/**
 * Parses a Kubernetes quantity as written in a manifest. Replicas and HPA bounds are whole
 * numbers; CPU is returned in cores ("100m" -> 0.1); memory in bytes ("1Gi" -> 1073741824).
 * Throws ManifestError on anything else, including negative values and sub-byte memory
 * ("128m" is 0.128 bytes, almost always a typo for 128Mi).
 */
export function parseQuantity(field: FieldKey, raw: string): number {
  const s = raw.trim();
  if (isCountField(field)) {
    if (!/^\+?\d+$/.test(s)) {
      throw new ManifestError(`${field}: ${JSON.stringify(raw)} is not ${unitOf(field)}; expected ${examples(field)}`);
    }
    const n = Number(s);
    if (n > MAX_COUNT) throw new ManifestError(`${field}: ${JSON.stringify(raw)} is out of range for ${unitOf(field)}`);
    return n;
  }
  const m = QUANTITY.exec(s);
  if (!m) {
    throw new ManifestError(`${field}: ${JSON.stringify(raw)} is not ${unitOf(field)}; expected ${examples(field)}`);
  }
  const num = Number(m[1]);
  const suffix = m[2] ?? '';
  const exponent = m[3];
  let value: number;
  if (exponent !== undefined) {
    value = Number(`${m[1]}${exponent}`);
  } else if (suffix in DIVISORS) {
    if (!isCpuField(field)) {
      throw new ManifestError(
        `${field}: ${JSON.stringify(raw)} means a fraction of a byte (suffix "${suffix}" is milli/micro/nano); ` +
          `write a memory quantity such as ${m[1]}Mi`,
      );
    }
    value = num / (DIVISORS[suffix] ?? 1);
  } else {
    value = num * (MULTIPLIERS[suffix] ?? 1);
  }
  if (!Number.isFinite(value)) throw new ManifestError(`${field}: ${JSON.stringify(raw)} is out of range`);
  if (value < 0) throw new ManifestError(`${field}: ${JSON.stringify(raw)} is negative; expected ${examples(field)}`);
  return value === 0 ? 0 : value;
}

/** Rounds up, ignoring floating-point dust just above a whole number (1.1 * 1000 = 1100.0000000000002). */
function ceilTolerant(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x - r) <= 1e-9 * Math.max(1, Math.abs(x))) return r;
  return Math.ceil(x);
}

/**
 * Formats a value in the field's natural unit for a manifest: replicas "3"; CPU cores as whole
 * cores ("2") or millicores rounded up ("250m"); memory bytes rounded up to Mi ("512Mi"), as Gi
 * when an exact multiple of 1024Mi ("2Gi").
 */
export function formatQuantity(field: FieldKey, value: number): string {
  if (!Number.isFinite(value) || value < 0) {
    throw new ManifestError(`${field}: cannot write ${String(value)}; expected a finite value of 0 or more`);
  }
  if (isCountField(field)) {
    const n = ceilTolerant(value);
    if (n > MAX_COUNT) throw new ManifestError(`${field}: ${n} is out of range for ${unitOf(field)}`);
    return String(n);
  }
  if (isCpuField(field)) {
    const millis = ceilTolerant(value * 1000);
    if (millis % 1000 === 0) return String(millis / 1000);
    return `${millis}m`;
  }
  const mi = ceilTolerant(value / 2 ** 20);
  if (mi === 0) return '0';
  if (mi % 1024 === 0) return `${mi / 1024}Gi`;
  return `${mi}Mi`;
}
