// The paths a guardrails file names on this machine: a local git.url, metrics.file.dir and the
// CSV traces under it, cluster.kubeconfig. The schema can only say they are strings; here they
// must exist, so that `validate` does not call valid a file that `plan` then fails on.
// (Secret files and state.dir are not checked: the first are mounted in the cluster, the second
// is created.)
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { resolveFrom, type ConfigProblem, type LoadedConfig } from './load.js';

/** True when git.url is a path on this machine rather than a URL or git@host:path. */
export function isLocalGitPath(url: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+@[^/]+:/.test(url);
}

export function pathProblems(loaded: LoadedConfig): ConfigProblem[] {
  const { config } = loaded;
  const found: { path: (string | number)[]; message: string }[] = [];
  const relative = `relative paths are read from the directory of ${loaded.file} (${loaded.baseDir})`;

  if (isLocalGitPath(config.git.url)) {
    const dir = resolveFrom(loaded, config.git.url);
    if (!isDir(dir)) found.push({ path: ['git', 'url'], message: `${dir} does not exist: write the clone URL of the manifest repository, or the path of a local clone or bare repository (${relative})` });
    else if (!isDir(join(dir, '.git')) && !existsSync(join(dir, 'HEAD'))) found.push({ path: ['git', 'url'], message: `${dir} is not a git repository (no .git, no HEAD): point git.url at a clone or a bare repository` });
  }

  const files = config.metrics?.file;
  if (files) {
    const dir = resolveFrom(loaded, files.dir);
    if (!isDir(dir)) found.push({ path: ['metrics', 'file', 'dir'], message: `${dir} is not a directory: write the directory of the CSV traces (${relative})` });
    else {
      config.targets.forEach((t, i) => {
        for (const [metric, ref] of Object.entries(t.metrics)) {
          if (ref && 'file' in ref && !isFile(join(dir, ref.file))) {
            found.push({ path: ['targets', i, 'metrics', metric, 'file'], message: `${join(dir, ref.file)} does not exist: file metrics are read from metrics.file.dir (${dir})` });
          }
        }
      });
    }
  }

  const kubeconfig = config.cluster?.kubeconfig;
  if (kubeconfig && !isFile(resolveFrom(loaded, kubeconfig))) {
    found.push({ path: ['cluster', 'kubeconfig'], message: `${resolveFrom(loaded, kubeconfig)} does not exist: leave cluster.kubeconfig out to use the in-cluster service account, $KUBECONFIG or ~/.kube/config` });
  }
  return found.length === 0 ? [] : locate(loaded, found);
}

/** Each problem with the line of its key in the file. */
function locate(loaded: LoadedConfig, found: { path: (string | number)[]; message: string }[]): ConfigProblem[] {
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(loaded.file, 'utf8'), { lineCounter: lines });
  return found.map(({ path, message }) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const pos = node?.range ? lines.linePos(node.range[0]) : undefined;
    const value = doc.getIn(path);
    return {
      file: loaded.file,
      ...(pos ? { line: pos.line, column: pos.col } : {}),
      path: path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join(''),
      ...(value === undefined ? {} : { value: JSON.stringify(value) }),
      message,
    };
  });
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const isFile = (p: string) => existsSync(p) && statSync(p).isFile();
