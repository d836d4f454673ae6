// A tiny renderer for the subset of Helm's template language that deploy/helm/augur uses, so the
// chart can be rendered and checked where there is no helm binary. Anything outside the subset
// throws, so the chart cannot drift out of it unnoticed.
//
// The subset (documented in deploy/README.md):
//   {{ .Values.a.b }}  {{ .Release.Namespace }}  {{ .Release.Name }}   value substitution
//   {{ toYaml .Values.a }}                                             a map or list as YAML
//   ... | indent N   ... | nindent N                                  at most one, at the end
//   {{ if .Values.a }} ... {{ else }} ... {{ end }}                    Go truthiness
//   {{/* comment */}}
// with `{{-` and `-}}` trimming whitespace (newlines included) on their side, as in Go templates.
// Substituting a missing value throws here (Helm would print `<no value>`), and so does
// substituting a map or a list: use toYaml.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

export type Values = Record<string, unknown>;

export interface RenderScope {
  values: Values;
  release: { name: string; namespace: string };
}

export interface RenderedFile {
  /** Path relative to the chart, e.g. templates/deployment.yaml. */
  file: string;
  text: string;
}

const ACTION = /\{\{(-?)(\s*)([\s\S]*?)(\s*)(-?)\}\}/g;

interface Token {
  kind: 'text' | 'action';
  text: string;
}

function tokenize(template: string, where: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  let trimNext = false;
  for (const m of template.matchAll(ACTION)) {
    const [whole, leftDash, leftSpace, body, rightSpace, rightDash] = m as unknown as [string, string, string, string, string, string];
    // Go requires a space between the dash and the action: `{{-x}}` is not a trim marker.
    if ((leftDash && !leftSpace) || (rightDash && !rightSpace)) throw new Error(`${where}: write "{{- " and " -}}" with a space: ${whole}`);
    let text = template.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (leftDash) text = text.replace(/\s+$/, '');
    tokens.push({ kind: 'text', text });
    tokens.push({ kind: 'action', text: body.trim() });
    trimNext = rightDash === '-';
    last = m.index + whole.length;
  }
  let tail = template.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  tokens.push({ kind: 'text', text: tail });
  for (const t of tokens) if (t.kind === 'text' && (t.text.includes('{{') || t.text.includes('}}'))) throw new Error(`${where}: unbalanced braces near ${JSON.stringify(t.text.slice(0, 60))}`);
  return tokens;
}

const MISSING = Symbol('missing');

function lookup(path: string, scope: RenderScope, where: string): unknown {
  const parts = path.split('.');
  if (parts[0] !== '') throw new Error(`${where}: unsupported expression ${JSON.stringify(path)} (only .Values.*, .Release.Namespace, .Release.Name)`);
  if (parts[1] === 'Release' && parts.length === 3) {
    if (parts[2] === 'Namespace') return scope.release.namespace;
    if (parts[2] === 'Name') return scope.release.name;
  }
  if (parts[1] !== 'Values' || parts.length < 3) throw new Error(`${where}: unsupported expression ${JSON.stringify(path)} (only .Values.*, .Release.Namespace, .Release.Name)`);
  let cur: unknown = scope.values;
  for (const key of parts.slice(2)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`${where}: unsupported key ${JSON.stringify(key)} in ${path}`);
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(key in cur)) return MISSING;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Go template truthiness: false, 0, nil, and empty strings, maps and lists are false. */
function truthy(v: unknown): boolean {
  if (v === MISSING || v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** Helm's toYaml: sigs.k8s.io/yaml output (keys sorted), without the final newline. */
export function toYaml(v: unknown): string {
  return YAML.stringify(v, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
}

function scalar(v: unknown, expr: string, where: string): string {
  if (v === MISSING || v === undefined) throw new Error(`${where}: ${expr} has no value`);
  if (v === null) throw new Error(`${where}: ${expr} is null`);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`${where}: ${expr} is a ${Array.isArray(v) ? 'list' : 'map'}: use toYaml`);
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return pad + text.replace(/\n/g, `\n${pad}`);
}

function evaluate(action: string, scope: RenderScope, where: string): string {
  const stages = action.split('|').map((s) => s.trim());
  const head = stages[0] ?? '';
  let out: string;
  const toYamlMatch = /^toYaml\s+(\S+)$/.exec(head);
  if (toYamlMatch) {
    const v = lookup(toYamlMatch[1]!, scope, where);
    if (v === MISSING) throw new Error(`${where}: ${toYamlMatch[1]} has no value`);
    out = toYaml(v);
  } else if (/^\.\S*$/.test(head)) {
    out = scalar(lookup(head, scope, where), head, where);
  } else {
    throw new Error(`${where}: unsupported action {{ ${action} }}`);
  }
  if (stages.length > 2) throw new Error(`${where}: at most one pipe stage: {{ ${action} }}`);
  if (stages.length === 2) {
    const m = /^(n?indent)\s+(\d+)$/.exec(stages[1]!);
    if (!m) throw new Error(`${where}: unsupported function in {{ ${action} }} (only indent N, nindent N)`);
    out = (m[1] === 'nindent' ? '\n' : '') + indent(out, Number(m[2]));
  }
  return out;
}

/** Renders one template text. */
export function renderTemplate(template: string, scope: RenderScope, where = 'template'): string {
  const tokens = tokenize(template, where);
  // Each frame: is this branch emitting, and has an if/else already taken a branch.
  const stack: { emitting: boolean; parentEmitting: boolean; inElse: boolean }[] = [];
  const emitting = () => stack.every((f) => f.emitting);
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'text') {
      if (emitting()) out += t.text;
      continue;
    }
    const a = t.text;
    if (a.startsWith('/*')) {
      if (!a.endsWith('*/')) throw new Error(`${where}: unterminated comment {{${a}}}`);
      continue;
    }
    const ifMatch = /^if\s+(\S+)$/.exec(a);
    if (ifMatch) {
      const parentEmitting = emitting();
      const cond = parentEmitting ? truthy(lookup(ifMatch[1]!, scope, where)) : false;
      stack.push({ emitting: cond, parentEmitting, inElse: false });
      continue;
    }
    if (a === 'else') {
      const f = stack.at(-1);
      if (!f || f.inElse) throw new Error(`${where}: {{ else }} without {{ if }}`);
      f.inElse = true;
      f.emitting = f.parentEmitting && !f.emitting;
      continue;
    }
    if (a === 'end') {
      if (!stack.pop()) throw new Error(`${where}: {{ end }} without {{ if }}`);
      continue;
    }
    if (/^(if|else|range|with|define|template|include|block)\b/.test(a)) throw new Error(`${where}: unsupported action {{ ${a} }}`);
    if (emitting()) out += evaluate(a, scope, where);
  }
  if (stack.length) throw new Error(`${where}: {{ if }} without {{ end }}`);
  return out;
}

/** Helm's values merge: maps merge key by key, anything else replaces, null removes the key. */
export function mergeValues(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(override)) {
    const b = out[k];
    if (v === null) delete out[k];
    else if (v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)) out[k] = mergeValues(b as Values, v as Values);
    else out[k] = v;
  }
  return out;
}

export interface ChartRenderOptions {
  namespace: string;
  releaseName?: string;
  /** Values files applied over the chart's values.yaml, in order (like `helm -f`). */
  valuesFiles?: string[];
}

/** Renders every file under templates/ (NOTES.txt included, partials `_*` skipped), as `helm template` would. */
export function renderChart(chartDir: string, opts: ChartRenderOptions): RenderedFile[] {
  let values = (YAML.parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) ?? {}) as Values;
  for (const f of opts.valuesFiles ?? []) values = mergeValues(values, (YAML.parse(readFileSync(f, 'utf8')) ?? {}) as Values);
  const scope: RenderScope = { values, release: { name: opts.releaseName ?? 'augur', namespace: opts.namespace } };
  const files = readdirSync(join(chartDir, 'templates'), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ya?ml|txt)$/.test(f) && !f.split('/').some((part) => part.startsWith('_')))
    .sort();
  return files.map((f) => {
    const file = join('templates', f);
    return { file, text: renderTemplate(readFileSync(join(chartDir, file), 'utf8'), scope, file) };
  });
}

/** A rendered Kubernetes object, loosely typed: the tests look inside. */
export type ChartObject = Record<string, any>;

/** The Kubernetes objects of a rendered chart (NOTES.txt left out, empty documents dropped). */
export function chartObjects(rendered: RenderedFile[]): ChartObject[] {
  const objects: ChartObject[] = [];
  for (const r of rendered) {
    if (r.file.endsWith('NOTES.txt')) continue;
    for (const doc of YAML.parseAllDocuments(r.text)) {
      if (doc.errors.length) throw new Error(`${r.file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const obj = doc.toJS() as unknown;
      if (obj === null || obj === undefined) continue;
      objects.push(obj as ChartObject);
    }
  }
  return objects;
}
