#!/usr/bin/env node
// The `augur` command: the compiled CLI (dist/, after `npm run build` or in the image), or, in a
// checkout where it has not been built, the sources through tsx, so `npx augur` works right
// after `npm ci`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error('augur: dist/ is not built and tsx is not installed; run `npm run build` (or `npm ci` with dev dependencies)');
    process.exit(1);
  }
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
