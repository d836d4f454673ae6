// The shape of src/, checked: the core does no I/O and imports no adapter, no module imports
// itself through a cycle, and no function is longer than 80 lines (a function that long does
// more than one thing; split it rather than raise the limit).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(new URL('../src', import.meta.url).pathname);
const MAX_FUNCTION_LINES = 80;

/** The pure core: the stages and the rendering of their results. */
const CORE = [/^domain\//, /^forecast\//, /^recommend\//, /^guardrails\//, /^manifests\//, /^forge\/(body|chart|explain|dashboard|schedule|reasons|cluster|meta)\.ts$/, /^review\//, /^agent\/(decide|admit)\.ts$/];
/** The edges: what talks to Prometheus, Kubernetes, git, a forge, disks, people. */
const ADAPTERS = [/^metrics\//, /^cluster\//, /^workspace\//, /^server\//, /^cli\//, /^models\//, /^forge\/(github|local)\//, /^forge\/registry\.ts$/, /^agent\/(wire|gather|publish|cycle|verify|scheduler)\.ts$/];
/** Modules that do I/O (or load a whole client that does). */
const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|http|https|net|dgram|worker_threads)$|^(simple-git|@octokit\/|@kubernetes\/client-node|undici|pino)/;

interface Source {
  path: string;
  file: ts.SourceFile;
  imports: { spec: string; target?: string; typeOnly: boolean }[];
}

function sources(): Source[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.includes('test-support') && !p.includes('test-helper') && !p.endsWith('/testing.ts')) files.push(p);
    }
  };
  walk(SRC);
  return files.map((p) => {
    const file = ts.createSourceFile(p, readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, true);
    const imports: Source['imports'] = [];
    const visit = (n: ts.Node): void => {
      if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
        const typeOnly = ts.isImportDeclaration(n) ? (n.importClause?.isTypeOnly ?? false) || allTypeOnly(n.importClause) : n.isTypeOnly;
        imports.push(resolveSpec(p, n.moduleSpecifier.text, typeOnly));
      }
      const arg = ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword ? n.arguments[0] : undefined;
      if (arg && ts.isStringLiteral(arg)) imports.push(resolveSpec(p, arg.text, false));
      ts.forEachChild(n, visit);
    };
    visit(file);
    return { path: relative(SRC, p), file, imports };
  });
}

function allTypeOnly(clause: ts.ImportClause | undefined): boolean {
  const named = clause?.namedBindings;
  return !!clause && !clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

function resolveSpec(from: string, spec: string, typeOnly: boolean): Source['imports'][number] {
  if (!spec.startsWith('.')) return { spec, typeOnly };
  return { spec, typeOnly, target: relative(SRC, resolve(dirname(from), spec.replace(/\.js$/, '.ts'))) };
}

const all = sources();
const isCore = (p: string) => CORE.some((r) => r.test(p));
const isAdapter = (p: string) => ADAPTERS.some((r) => r.test(p));

describe('the shape of src/', () => {
  it('finds the modules it checks', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(all.filter((s) => isCore(s.path)).length).toBeGreaterThan(50);
  });

  it('the core imports no adapter, no I/O module, and the config only for its types', () => {
    const wrong = all
      .filter((s) => isCore(s.path))
      .flatMap((s) =>
        s.imports
          .filter((i) => (i.target ? isAdapter(i.target) || (i.target.startsWith('config/') && !i.typeOnly) : IO_MODULES.test(i.spec)))
          .map((i) => `${s.path} imports ${i.spec}`),
      );
    expect(wrong).toEqual([]);
  });

  it('no module imports itself through a cycle', () => {
    const graph = new Map(all.map((s) => [s.path, s.imports.flatMap((i) => (i.target ? [i.target] : []))]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (v: string): void => {
      state.set(v, 'visiting');
      stack.push(v);
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (state.get(w) === 'visiting') cycles.push([...stack.slice(stack.indexOf(w)), w].join(' → '));
        else if (!state.has(w)) visit(w);
      }
      stack.pop();
      state.set(v, 'done');
    };
    for (const v of graph.keys()) if (!state.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });

  it(`no function is longer than ${MAX_FUNCTION_LINES} lines`, () => {
    const long: string[] = [];
    for (const s of all) {
      const visit = (n: ts.Node): void => {
        if (ts.isFunctionLike(n) && 'body' in n && n.body) {
          const start = s.file.getLineAndCharacterOfPosition(n.getStart()).line;
          const lines = s.file.getLineAndCharacterOfPosition(n.getEnd()).line - start + 1;
          if (lines > MAX_FUNCTION_LINES) long.push(`${s.path}:${start + 1} (${lines} lines)`);
        }
        ts.forEachChild(n, visit);
      };
      visit(s.file);
    }
    expect(long).toEqual([]);
  });
});
