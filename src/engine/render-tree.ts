// The repository's path rules (src/git/repository-path.ts) as the external renderers need them:
// a directory resolved inside the repository, a file named relative to it, and a walk that
// refuses any symlink below a directory that leads out of the repository — Helm's chart loader
// follows symlinks, so a link to /etc/passwd would otherwise be readable through `.Files.Get`.
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { PathEscapeError } from '../git/git-errors';
import { resolveInside, splitRepositoryPath } from '../git/repository-path';
import { RenderError } from './render';

/** A directory of the repository as the application names it and as it is on disk. */
export interface RepositoryDir {
  /** the repository root with its own symlinks resolved (kustomize and helm compare real paths) */
  root: string;
  /** as the repository spells it, for messages ('.' for the root) */
  shown: string;
  /** components with every symlink resolved, inside the repository */
  real: string[];
  /** absolute path of `real` */
  abs: string;
}

export async function repositoryDir(root: string, dir: string): Promise<RepositoryDir> {
  const realRoot = await realpath(root);
  let parts: string[];
  try {
    parts = splitRepositoryPath(dir);
  } catch (e) {
    throw refused(dir, e, 'path leaves the repository');
  }
  const shown = parts.join('/') || '.';
  const real = await inside(realRoot, parts, shown, 'symlink leaves the repository');
  const stat = await lstat(join(realRoot, ...real)).catch(() => undefined);
  if (!stat?.isDirectory()) throw new RenderError(shown, undefined, 'no such directory in the repository');
  return { root: realRoot, shown, real, abs: join(realRoot, ...real) };
}

/**
 * A file named by the application (a Helm value file) relative to `dir`: the repository rules
 * apply (no `..`, not absolute, no symlink out); it must be a regular file.
 */
export async function repositoryFile(dir: RepositoryDir, name: string, what: string): Promise<{ shown: string; abs: string }> {
  let parts: string[];
  try {
    parts = splitRepositoryPath(name);
  } catch (e) {
    throw refused(dir.shown, e, `${what} "${name}" leaves the repository`);
  }
  if (parts.length === 0) throw new RenderError(dir.shown, undefined, `${what} "${name}" is not a file`);
  const shown = dir.shown === '.' ? parts.join('/') : `${dir.shown}/${parts.join('/')}`;
  const real = await inside(dir.root, [...dir.real, ...parts], shown, 'symlink leaves the repository');
  const abs = join(dir.root, ...real);
  const stat = await lstat(abs).catch(() => undefined);
  if (!stat) throw new RenderError(shown, undefined, `${what} not found in the repository`);
  if (!stat.isFile()) throw new RenderError(shown, undefined, `${what} is not a file`);
  return { shown, abs };
}

/**
 * Every symlink below `dir` must resolve inside the repository (links to directories are
 * followed, each directory read once). Throws a RenderError naming the first link that leaves.
 */
export async function refuseEscapingLinks(dir: RepositoryDir): Promise<void> {
  const seen = new Set<string>();
  const walk = async (shown: string, real: string[]): Promise<void> => {
    const key = real.join('/');
    if (seen.has(key)) return;
    seen.add(key);
    for (const entry of (await readdir(join(dir.root, ...real))).sort()) {
      const path = `${shown}/${entry}`;
      let target = [...real, entry];
      let stat = await lstat(join(dir.root, ...target));
      if (stat.isSymbolicLink()) {
        target = await inside(dir.root, target, path, 'symlink leaves the repository');
        const followed = await lstat(join(dir.root, ...target)).catch(() => undefined);
        if (!followed) continue; // dangling inside the repository: nothing to read through it
        stat = followed;
      }
      if (stat.isDirectory()) await walk(path, target);
    }
  };
  await walk(dir.shown, dir.real);
}

/** resolveInside with a refusal as a RenderError naming `shown`. */
export async function inside(root: string, parts: string[], shown: string, what: string): Promise<string[]> {
  try {
    return await resolveInside(root, parts, shown);
  } catch (e) {
    throw refused(shown, e, what);
  }
}

export function refused(file: string, e: unknown, what: string): unknown {
  if (!(e instanceof PathEscapeError)) return e;
  const reason = e.message.replace(`path "${e.path}" leaves the repository: `, '');
  return new RenderError(file, undefined, `${what}; refused (${reason})`);
}

/** The first of `names` that is a regular file in `dir` (symlinks resolved inside the repository). */
export async function findFile(dir: RepositoryDir, names: readonly string[]): Promise<string | undefined> {
  const entries = new Set(await readdir(dir.abs));
  for (const name of names) {
    if (!entries.has(name)) continue;
    const shown = dir.shown === '.' ? name : `${dir.shown}/${name}`;
    const real = await inside(dir.root, [...dir.real, name], shown, 'symlink leaves the repository');
    const stat = await lstat(join(dir.root, ...real)).catch(() => undefined);
    if (stat?.isFile()) return name;
  }
  return undefined;
}
