// Repository trees for render tests: real files and symlinks in a temporary directory, laid out
// as an exported commit would be (no git needed at the engine level).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';

/** A file's content (objects are written as YAML), or a symlink. */
export type Entry = string | Buffer | Record<string, unknown> | unknown[] | { link: string };

export interface TestTree {
  root: string;
  write(files: Record<string, Entry>): Promise<void>;
  remove(): Promise<void>;
}

export async function makeTree(files: Record<string, Entry> = {}): Promise<TestTree> {
  const base = await mkdtemp(join(tmpdir(), 'flotilla-render-test-'));
  // the repository is one level down, so that "outside the repository" exists and can be read
  const root = join(base, 'repo');
  await mkdir(root);
  await writeFile(join(base, 'outside.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: outside }\ndata: { secret: "from outside the repository" }\n');
  await mkdir(join(base, 'outside-base'));
  await writeFile(join(base, 'outside-base', 'kustomization.yaml'), 'resources: [cm.yaml]\n');
  await writeFile(join(base, 'outside-base', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: outside-base }\ndata: { secret: "from outside the repository" }\n');
  const tree: TestTree = {
    root,
    async write(more) {
      for (const [path, entry] of Object.entries(more)) {
        const full = join(root, path);
        await mkdir(dirname(full), { recursive: true });
        if (Buffer.isBuffer(entry) || typeof entry === 'string') await writeFile(full, entry);
        else if (!Array.isArray(entry) && typeof entry.link === 'string') await symlink(entry.link, full);
        else await writeFile(full, stringify(entry));
      }
    },
    remove: () => rm(base, { recursive: true, force: true }),
  };
  await tree.write(files);
  return tree;
}

export function configMap(name: string, data: Record<string, string> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}
