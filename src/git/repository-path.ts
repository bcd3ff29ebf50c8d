// Paths inside an exported repository tree. A render may only see files of the repository:
// requested paths with `..` or a leading `/` are refused outright, and symlinks are resolved
// here, component by component, as if the tree's root were `/` of a chroot, so that a link to
// `/etc`, to `../..` or through a chain of links that ends outside is caught before anything
// follows it.
import { lstat, readlink } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { PathEscapeError } from './git-errors';
import { quoteName } from './quote-name';

const MAX_LINK_HOPS = 40;

/**
 * Splits a repository path (`apps/x`, `./apps/x/`) into components, refusing absolute paths,
 * `..`, backslashes and control characters. '' and '.' mean the repository root.
 */
export function splitRepositoryPath(path: string): string[] {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(path)) throw new PathEscapeError(path, 'it contains control characters');
  if (isAbsolute(path) || path.startsWith('\\') || /^[A-Za-z]:/.test(path)) throw new PathEscapeError(path, 'absolute paths are not allowed');
  if (path.includes('\\')) throw new PathEscapeError(path, 'backslashes are not allowed');
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new PathEscapeError(path, '".." is not allowed');
  return parts;
}

/**
 * Resolves `parts` under `root` following symlinks without ever leaving `root`; returns the
 * resolved components (relative to root). Components that do not exist are kept as they are.
 * Throws PathEscapeError naming `shownPath` when a link is absolute or climbs above the root.
 */
export async function resolveInside(root: string, parts: readonly string[], shownPath: string): Promise<string[]> {
  const done: string[] = [];
  const todo = [...parts];
  let hops = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (done.length === 0) throw new PathEscapeError(shownPath, 'a symlink on the way points above the repository root');
      done.pop();
      continue;
    }
    const here = join(root, ...done, part);
    const stat = await lstat(here).catch(() => undefined);
    if (!stat?.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > MAX_LINK_HOPS) throw new PathEscapeError(shownPath, 'too many levels of symlinks');
    const target = await readlink(here);
    if (isAbsolute(target)) {
      throw new PathEscapeError(shownPath, `symlink ${quoteName([...done, part].join('/'))} points to the absolute path ${quoteName(target)}`);
    }
    todo.unshift(...target.split('/'));
  }
  return done;
}
