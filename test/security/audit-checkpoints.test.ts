// Checkpoints: the service writes the audit chain's head to a file outside the database at an
// interval (and at start and shutdown), and /audit/verify checks the log against the latest one,
// so entries cut off the end of the log are found without anyone recording /audit/head by hand.
// On by default, in <dataDir>/audit-checkpoints. Time is a ManualClock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Sqlite from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/shared/clock';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';

const ADMIN = 'audit-checkpoint-test-admin-token-0123';
const INTERVAL_MS = 60_000;

describe('audit checkpoints', () => {
  const clock = new ManualClock(new Date('2026-04-01T08:00:00Z'));
  const outside = mkdtempSync(join(tmpdir(), 'flotilla-checkpoints-'));
  const file = join(outside, 'audit', 'checkpoint.json');
  let running: RunningApp;
  let admin: ApiClient;

  beforeAll(async () => {
    running = await startApp(
      {
        FLOTILLA_ADMIN_TOKEN: ADMIN,
        FLOTILLA_AUDIT__CHECKPOINT_FILE: file,
        FLOTILLA_AUDIT__CHECKPOINT_INTERVAL_SECONDS: String(INTERVAL_MS / 1000),
        FLOTILLA_AUDIT__LOG_CHECKPOINTS: 'true',
      },
      { clock },
    );
    admin = apiClient(running.baseUrl, ADMIN);
  });
  afterAll(async () => {
    await running.close();
    rmSync(outside, { recursive: true, force: true });
  });

  const checkpoint = () => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { seq: number; hash: string; at: string }) : null);
  const head = async () => (await admin.get('/api/v1/audit/head')).body as { seq: number; hash: string };
  const createTokens = async (...names: string[]) => {
    for (const name of names) expect((await admin.post('/api/v1/tokens', { name, role: 'viewer' })).status).toBe(201);
  };

  it('writes the head to the checkpoint file every interval once there is something to anchor', async () => {
    await clock.advance(0); // the run at start: the log is empty, nothing is written
    expect(checkpoint()).toBeNull();
    await createTokens('cp-1', 'cp-2', 'cp-3');
    expect(checkpoint()).toBeNull();
    await clock.advance(INTERVAL_MS);
    const first = await eventually(
      'the first checkpoint',
      async () => checkpoint(),
      (c) => c !== null,
    );
    expect(first).toEqual({ ...(await head()), at: expect.stringMatching(/^2026-04-01T08:01:00/) });
    expect(first!.seq).toBe(3);
    expect(statSync(file).mode & 0o777, 'owner-only').toBe(0o600);
    expect(existsSync(join(running.dataDir, 'audit-checkpoints')), 'the configured file, not the default').toBe(false);
    // audit.logCheckpoints: the same checkpoint in the service log, as an anchor /audit/verify takes
    const logged = running.logs.map((l) => JSON.parse(l) as { level: string; msg: string; auditCheckpoint?: unknown }).filter((l) => l.msg?.startsWith('audit checkpoint '));
    expect(logged).toEqual([expect.objectContaining({ level: 'info', msg: `audit checkpoint 3:${first!.hash}`, auditCheckpoint: first })]);
    expect((await admin.get(`/api/v1/audit/verify?anchor=${logged[0].msg.slice('audit checkpoint '.length)}`)).body).toMatchObject({ ok: true });

    await createTokens('cp-4', 'cp-5');
    expect(checkpoint()!.seq).toBe(3);
    await clock.advance(INTERVAL_MS);
    await eventually(
      'the next checkpoint',
      async () => checkpoint(),
      (c) => c?.seq === 5,
    );
    expect(checkpoint()).toMatchObject(await head());
    expect((await admin.get('/api/v1/audit/verify')).body).toEqual({ ok: true, entries: 5, checkpointSeq: 5 });
  });

  it('still checks the anchor when a checkpoint is configured: a wrong hash and a seq past the end both fail', async () => {
    const { seq, hash } = await head();
    expect(checkpoint()).toMatchObject({ seq, hash }); // the checkpoint alone passes
    expect((await admin.get(`/api/v1/audit/verify?anchor=${seq}:${hash}`)).body).toEqual({ ok: true, entries: seq, checkpointSeq: seq });

    const forged = await admin.get(`/api/v1/audit/verify?anchor=3:${'ab'.repeat(32)}`);
    expect(forged.body).toEqual({ ok: false, entries: 2, firstBadSeq: 3, reason: 'entry 3 differs from the anchor', checkpointSeq: seq });
    const ahead = await admin.get(`/api/v1/audit/verify?anchor=${seq + 1}:${hash}`);
    expect(ahead.body).toEqual({
      ok: false,
      entries: seq,
      firstBadSeq: seq + 1,
      checkpointSeq: seq,
      reason: `the anchor names entry ${seq + 1}, but the log ends at entry ${seq}: entries were removed from its end`,
    });
    expect(await head(), 'verifying wrote nothing').toEqual({ seq, hash });
  });

  it('fails verification when checkpointed entries are cut off the end, and keeps that checkpoint', async () => {
    const db = new Sqlite(join(running.dataDir, 'flotilla.sqlite'));
    try {
      db.exec('DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;');
      expect(db.prepare('DELETE FROM audit_entries WHERE seq > 3').run().changes).toBe(2);
    } finally {
      db.close();
    }
    expect((await admin.get('/api/v1/audit/verify')).body).toEqual({
      ok: false,
      entries: 3,
      firstBadSeq: 4,
      checkpointSeq: 5,
      reason: expect.stringMatching(/^the checkpoint of 2026-04-01T08:02:00\.000Z names entry 5, but the log ends at entry 3: entries were removed from its end$/),
    });

    // the next runs see that the log no longer holds the checkpoint, and leave it as evidence
    const logged = () => running.logs.filter((l) => l.includes('no longer holds its last checkpoint')).length;
    const before = logged();
    await clock.advance(INTERVAL_MS);
    await eventually(
      'the refusal logged',
      async () => logged(),
      (n) => n > before,
    );
    expect(checkpoint()!.seq).toBe(5);

    // writing two new entries into the gap does not pass for the removed ones
    await createTokens('cp-6', 'cp-7');
    expect(await head()).toMatchObject({ seq: 5 });
    await clock.advance(INTERVAL_MS);
    await eventually(
      'the refusal logged again',
      async () => logged(),
      (n) => n > before + 1,
    );
    expect(checkpoint()!.seq).toBe(5);
    expect((await admin.get('/api/v1/audit/verify')).body).toMatchObject({
      ok: false,
      entries: 4,
      firstBadSeq: 5,
      checkpointSeq: 5,
      reason: expect.stringMatching(/^entry 5 differs from the checkpoint of /),
    });
  });
});

describe('audit checkpoints with the default settings', () => {
  const ENV = { FLOTILLA_ADMIN_TOKEN: ADMIN };
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A service on a new data directory with `env`: `n` audited calls, then stopped. */
  async function auditedThenStopped(n: number, env: Record<string, string> = {}): Promise<{ dataDir: string; head: { seq: number; hash: string } }> {
    const running = await startApp({ ...ENV, ...env }, { keepDataDir: true });
    dirs.push(running.dataDir);
    try {
      const admin = apiClient(running.baseUrl, ADMIN);
      for (let i = 0; i < n; i++) expect((await admin.post('/api/v1/tokens', { name: `default-${i}`, role: 'viewer' })).status).toBe(201);
      return { dataDir: running.dataDir, head: (await admin.get('/api/v1/audit/head')).body };
    } finally {
      await running.close();
    }
  }

  function removeNewest(dataDir: string, keep: number): void {
    const db = new Sqlite(join(dataDir, 'flotilla.sqlite'));
    try {
      db.exec('DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;');
      db.prepare('DELETE FROM audit_entries WHERE seq > ?').run(keep);
    } finally {
      db.close();
    }
  }

  async function verifyAfterRestart(dataDir: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
    const again = await startApp({ ...ENV, ...env }, { dataDir });
    try {
      return (await apiClient(again.baseUrl, ADMIN).get('/api/v1/audit/verify')).body;
    } finally {
      await again.close();
    }
  }

  it('finds the newest entries removed while the service was stopped: the stop wrote a checkpoint to <dataDir>/audit-checkpoints', async () => {
    const { dataDir, head } = await auditedThenStopped(5);
    expect(head.seq).toBe(5);
    removeNewest(dataDir, 3);
    expect(await verifyAfterRestart(dataDir)).toEqual({
      ok: false,
      entries: 3,
      firstBadSeq: 4,
      checkpointSeq: 5,
      reason: expect.stringMatching(/^the checkpoint of \S+ names entry 5, but the log ends at entry 3: entries were removed from its end$/),
    });
    // the checkpoint the stop wrote, owner-only, kept by the restart as the evidence
    const file = join(dataDir, 'audit-checkpoints');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ ...head, at: expect.any(String) });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('takes none with audit.checkpointFile null: then only an anchor kept elsewhere shows the cut', async () => {
    const OFF = { FLOTILLA_AUDIT__CHECKPOINT_FILE: '' };
    const { dataDir, head } = await auditedThenStopped(4, OFF);
    expect(existsSync(join(dataDir, 'audit-checkpoints'))).toBe(false);
    removeNewest(dataDir, 2);
    expect(await verifyAfterRestart(dataDir, OFF)).toEqual({ ok: true, entries: 2 });
    expect(existsSync(join(dataDir, 'audit-checkpoints'))).toBe(false);
    expect(head.seq).toBe(4);
  });
});
