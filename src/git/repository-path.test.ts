import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathEscapeError } from './git-errors';
import { resolveInside, splitRepositoryPath } from './repository-path';

describe('splitRepositoryPath', () => {
  it('normalises harmless spellings', () => {
    expect(splitRepositoryPath('apps/x')).toEqual(['apps', 'x']);
    expect(splitRepositoryPath('./apps//x/')).toEqual(['apps', 'x']);
    expect(splitRepositoryPath('')).toEqual([]);
    expect(splitRepositoryPath('.')).toEqual([]);
  });

  it.each(['../x', 'apps/../../x', 'apps/..', '/etc', '\\etc', 'C:/x', 'apps\\x', 'apps/\u0000x'])('refuses %j', (path) => {
    expect(() => splitRepositoryPath(path)).toThrow(PathEscapeError);
  });
});

describe('resolveInside', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'flotilla-path-'));
    await mkdir(join(root, 'apps/x'), { recursive: true });
    await mkdir(join(root, 'base'), { recursive: true });
    await symlink('../../base', join(root, 'apps/x/base'));
    await symlink('/etc', join(root, 'apps/etc'));
    await symlink('..', join(root, 'apps/up'));
    await symlink('.', join(root, 'self'));
    await symlink('self/..', join(root, 'sneaky'));
    await symlink('loop', join(root, 'loop'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('follows links that stay inside', async () => {
    expect(await resolveInside(root, ['apps', 'x', 'base'], 'apps/x/base')).toEqual(['base']);
    expect(await resolveInside(root, ['apps', 'up', 'apps'], 'apps/up/apps')).toEqual(['apps']);
  });

  it('refuses absolute links, links above the root, and chains that end above it', async () => {
    await expect(resolveInside(root, ['apps', 'etc'], 'apps/etc')).rejects.toThrow(/absolute path \/etc/);
    // lexically "self/.." is the root, but self is "." so it really is the root's parent
    await expect(resolveInside(root, ['sneaky'], 'sneaky')).rejects.toThrow(PathEscapeError);
    await expect(resolveInside(root, ['loop'], 'loop')).rejects.toThrow(/too many levels/);
  });
});
