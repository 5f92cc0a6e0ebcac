import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The code Lambda runs: the shared modules and every handler but the local server's own (`functions/local`). */
function deployedSources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === join('functions', 'local') ? [] : deployedSources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The packages a file imports, by name (`@scope/name` or `name`), leaving out Node's own and the project's. */
function packagesOf(file: string): string[] {
  const source = readFileSync(join(root, file), 'utf8');
  return [...source.matchAll(/^import [^;]*? from '([^'.#][^']*)';/gm)]
    .map(([, specifier]) => specifier as string)
    .filter((specifier) => !specifier.startsWith('node:'))
    .map((specifier) =>
      specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/'),
    );
}

describe('package.json', () => {
  it('lists in dependencies exactly what the deployed code imports; tools, emulators and CDK are devDependencies', () => {
    const imported = new Set(['functions', 'shared'].flatMap(deployedSources).flatMap(packagesOf));
    // Type-only packages are bundled as nothing.
    imported.delete('aws-lambda');
    expect([...imported].sort()).toEqual(Object.keys(manifest.dependencies).sort());
  });
});
