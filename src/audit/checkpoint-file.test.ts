import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointFile, CheckpointUnreadableError } from './checkpoint-file';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'flotilla-cpfile-'));
  dirs.push(d);
  return d;
};
const cp = (seq: number) => ({ seq, hash: String(seq % 10).repeat(64), at: '2026-01-01T00:00:00.000Z' });

describe('the checkpoint file', () => {
  it('is owner-only, replaced whole, and leaves no temporary file behind', () => {
    const dir = tempDir();
    const file = new CheckpointFile(join(dir, 'sub', 'audit-checkpoints'));
    expect(file.read()).toBeNull();
    file.write(cp(3));
    expect(statSync(file.path!).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o077).toBe(0);
    file.write(cp(7));
    expect(file.read()).toEqual(cp(7));
    expect(readFileSync(file.path!, 'utf8')).toBe(`${JSON.stringify(cp(7))}\n`);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['audit-checkpoints']);
  });

  it('does not inherit the mode of a temporary file a crash left behind', () => {
    const dir = tempDir();
    const path = join(dir, 'audit-checkpoints');
    writeFileSync(`${path}.${process.pid}.tmp`, 'half', { mode: 0o644 });
    new CheckpointFile(path).write(cp(1));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(existsSync(`${path}.${process.pid}.tmp`)).toBe(false);
  });

  it('says when it holds something that is not a checkpoint; with no path it holds nothing and writes nothing', () => {
    const path = join(tempDir(), 'audit-checkpoints');
    writeFileSync(path, '{"seq":1}');
    expect(() => new CheckpointFile(path).read()).toThrow(CheckpointUnreadableError);
    const off = new CheckpointFile(null);
    off.write(cp(1));
    expect(off.read()).toBeNull();
  });
});
