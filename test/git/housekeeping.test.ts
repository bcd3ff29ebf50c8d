// Mirrors do not grow without bound: past git's thresholds a fetch repacks the mirror, and reads
// at old commits keep working afterwards.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepositoryMirrors } from '../../src/git';
import { GitHttpServer } from '../support/git-server';

function objectCounts(dir: string): { loose: number; packs: number } {
  const out = execFileSync('git', ['count-objects', '-v'], { cwd: dir, encoding: 'utf8' });
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(out)![1]);
  return { loose: field('count'), packs: field('packs') };
}

describe('mirror housekeeping', () => {
  let server: GitHttpServer;
  let baseDir: string;
  beforeAll(async () => {
    server = await GitHttpServer.start();
    baseDir = await mkdtemp(join(tmpdir(), 'flotilla-git-gc-'));
  });
  afterAll(async () => {
    await server.stop();
    await rm(baseDir, { recursive: true, force: true });
  });

  it('repacks a mirror once fetches leave more packs or loose objects than the thresholds, and old commits stay readable', async () => {
    const repo = await server.createRepository('growing');
    const tidy = new RepositoryMirrors({ baseDir: join(baseDir, 'tidy'), urlPolicy: { allowInsecure: true }, housekeeping: { looseObjects: 20, packs: 2 } });
    const untidy = new RepositoryMirrors({ baseDir: join(baseDir, 'untidy'), urlPolicy: { allowInsecure: true } });
    for (const m of [tidy, untidy]) m.register({ name: 'growing', url: server.url('growing') });
    const first = await repo.commit({ 'apps/x/a.yaml': 'v: 0\n' }, { message: 'c0' });
    for (let i = 1; i <= 12; i++) {
      await repo.commit({ [`apps/x/f${i}.yaml`]: `v: ${i}\n`, [`apps/y/g${i}.yaml`]: `w: ${i}\n` }, { message: `c${i}` });
      await Promise.all([tidy.refresh('growing'), untidy.refresh('growing')]);
    }
    const kept = objectCounts(tidy.mirror('growing').dir);
    const grown = objectCounts(untidy.mirror('growing').dir);
    // without housekeeping every fetch leaves a pack (or loose objects) behind for good
    expect(grown.packs + grown.loose).toBeGreaterThan(10);
    expect(kept.packs).toBeGreaterThanOrEqual(1);
    expect(kept.packs).toBeLessThanOrEqual(3);
    expect(kept.loose).toBeLessThanOrEqual(20);

    const tree = await tidy.mirror('growing').export(first, 'apps/x');
    try {
      expect(await readFile(join(tree.path, 'a.yaml'), 'utf8')).toBe('v: 0\n');
    } finally {
      tree.release();
    }
    expect((await tidy.refresh('growing')).revision).toBe(await repo.head());
  });
});
