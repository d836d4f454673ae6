import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkoutView, normalise, SymlinkError, writeInside } from './safe-paths.js';

/** A checkout with a regular file, a symlinked file and a symlinked directory, both pointing outside. */
function checkout() {
  const root = mkdtempSync(join(tmpdir(), 'augur-checkout-'));
  const outside = mkdtempSync(join(tmpdir(), 'augur-outside-'));
  writeFileSync(join(outside, 'secret.yaml'), 'replicas: 3\n');
  mkdirSync(join(root, 'apps', 'web'), { recursive: true });
  writeFileSync(join(root, 'apps', 'web', 'deployment.yaml'), 'replicas: 2\n');
  symlinkSync(join(outside, 'secret.yaml'), join(root, 'apps', 'web', 'linked.yaml'));
  symlinkSync(outside, join(root, 'apps', 'elsewhere'));
  return { root, outside };
}

describe('reading the checkout', () => {
  it('reads regular files; a symbolic link on the path is an error that names it', () => {
    const { root } = checkout();
    const view = checkoutView(root);
    expect(view.read('apps/web/deployment.yaml')).toBe('replicas: 2\n');
    expect(() => view.read('apps/web/linked.yaml')).toThrow(SymlinkError);
    expect(() => view.read('apps/web/linked.yaml')).toThrow(/^apps\/web\/linked\.yaml is a symbolic link to ".*secret\.yaml": Augur does not follow symbolic links/);
    expect(() => view.read('apps/elsewhere/secret.yaml')).toThrow(/^apps\/elsewhere \(on the path of apps\/elsewhere\/secret\.yaml\) is a symbolic link/);
    expect(() => view.list('apps/elsewhere')).toThrow(SymlinkError);
  });

  it('leaves links out of a listing, and paths that leave the repository unread', () => {
    const { root } = checkout();
    const view = checkoutView(root);
    expect(view.list('apps')).toEqual(['apps/web']);
    expect(view.list('apps/web')).toEqual(['apps/web/deployment.yaml']);
    expect(view.read('../outside.yaml')).toBeUndefined();
    expect(normalise('./a/../b/c.yaml')).toBe('b/c.yaml');
    expect(normalise('a/../../x')).toBeUndefined();
  });
});

describe('writing the checkout', () => {
  it('writes regular files and creates directories', () => {
    const { root } = checkout();
    writeInside(root, 'apps/new/dir/file.yaml', 'x: 1\n');
    expect(readFileSync(join(root, 'apps/new/dir/file.yaml'), 'utf8')).toBe('x: 1\n');
  });

  it('never writes through a link, whether the file or a directory on its path', () => {
    const { root, outside } = checkout();
    expect(() => writeInside(root, 'apps/web/linked.yaml', 'replicas: 9\n')).toThrow(/apps\/web\/linked\.yaml is a symbolic link .* will not write/);
    expect(() => writeInside(root, 'apps/elsewhere/secret.yaml', 'replicas: 9\n')).toThrow(SymlinkError);
    expect(() => writeInside(root, 'apps/elsewhere/new.yaml', 'x\n')).toThrow(SymlinkError);
    expect(() => writeInside(root, '../escape.yaml', 'x\n')).toThrow(/not a path inside the repository/);
    expect(readFileSync(join(outside, 'secret.yaml'), 'utf8')).toBe('replicas: 3\n');
  });
});
