// Removing a directory tree however deep it is. `fs.rm({ recursive })` builds the full path of
// every entry, so a tree deeper than PATH_MAX (a 3,000-level directory from a hostile commit,
// left by an older version) fails with ENAMETOOLONG, again on every restart. Here no path handed
// to the kernel grows past a bound: a directory whose path would is first moved up to a short
// name at the top of the tree being removed, and taken apart from there. Every step is one
// asynchronous call, so the event loop is never held for long.
import { readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** paths longer than this are moved up before going deeper (PATH_MAX is 4096, a name up to 255) */
const MAX_PATH = 2048;

/** Removes `dir` and everything below it; nothing when it does not exist. */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 2 });
    return;
  } catch (e) {
    if (!isTooLong(e)) throw e;
  }
  await removeDeep(dir);
}

async function removeDeep(root: string): Promise<void> {
  let moved = 0;
  // directories in the order they were reached; removed last to first (children before parents)
  const dirs: string[] = [];
  const todo: string[] = [root];
  while (todo.length > 0) {
    const dir = todo.pop()!;
    dirs.push(dir);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (!entry.isDirectory()) {
        await unlink(path).catch(ignoreMissing);
      } else if (path.length > MAX_PATH) {
        // too deep to go on from here: continue from a short name at the top
        const short = join(root, `.deep-${++moved}`);
        await rename(path, short);
        todo.push(short);
      } else {
        todo.push(path);
      }
    }
  }
  for (let i = dirs.length - 1; i >= 0; i--) await rmdir(dirs[i]).catch(ignoreMissing);
}

function isTooLong(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENAMETOOLONG' || code === 'ELOOP';
}

function ignoreMissing(e: NodeJS.ErrnoException): void {
  if (e.code !== 'ENOENT') throw e;
}
