import { posix } from 'node:path';

/** Repository-relative path with forward slashes, no "./" and no trailing slash ("" for the root). */
export function normPath(p: string): string {
  const n = posix.normalize(p.replace(/\\/g, '/'));
  if (n === '.' || n === './' || n === '/') return '';
  return n.replace(/^\.\//, '').replace(/\/+$/, '');
}

export function joinPath(dir: string, rel: string): string {
  return normPath(posix.join(dir === '' ? '.' : dir, rel));
}

export function dirOf(file: string): string {
  return normPath(posix.dirname(file));
}

export function isYamlFile(p: string): boolean {
  return /\.ya?ml$/i.test(p);
}

/** True when `file` is `dir` itself or inside it. */
export function isUnder(file: string, dir: string): boolean {
  return dir === '' ? !file.startsWith('../') : file === dir || file.startsWith(`${dir}/`);
}
