// Running a benchmark or a CLI command in a child process: wall time, stdout, exit code.
import { spawn } from 'node:child_process';
import { ROOT } from './lib.js';

export interface ChildRun {
  stdout: string;
  ms: number;
  code: number | null;
}

/** Runs `node <args>` in the repository root; stderr goes to ours (progress), stdout is kept. */
export async function runNode(args: string[]): Promise<ChildRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: string[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => chunks.push(d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { stdout: chunks.join(''), ms: performance.now() - t0, code };
}

/** The "BENCH_JSON {...}" line a bench child prints, parsed; throws with the output otherwise. */
export function benchJson<T>(run: ChildRun, what: string): T {
  const line = run.stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (run.code !== 0 || !line) throw new Error(`${what} failed (exit ${run.code}); output:\n${run.stdout.slice(0, 4000)}`);
  return JSON.parse(line.slice('BENCH_JSON '.length)) as T;
}
