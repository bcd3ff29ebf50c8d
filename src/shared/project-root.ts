import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The directory holding package.json, found from this file whether it runs from src/ or dist/. */
export function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}
