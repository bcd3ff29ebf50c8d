// Sync windows end to end (issue 25): a deny window active now holds a pushed commit back and the
// target says until when; once the window ends the pending commit syncs by itself. Manual syncs
// are refused or allowed by the window's manualSync. The service runs on a clock the test can move
// forward (real timers, a shifted "now"), so a window ends without waiting for the wall clock.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SystemClock } from '../../src/shared/clock';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { GitHttpServer, type TestRepository } from '../support/git-server';
import { expectStatus } from '../support/hooks';
import { allRuns, clusterBody, configMapYaml, getApplication, sleep, SYNC_ENV, waitForTargets } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'sw1-windows-admin-token-0123456789';
const APP = 'sw1-app';
const REPO = 'sw1-deploy';
const WHERE = { cluster: 'sw1-east', namespace: 'sw1-ns' };
const KEY = 'sw1-east/sw1-ns';

/** The system clock, shifted: timers are real, "now" is whatever the test moved it to. */
class ShiftedClock extends SystemClock {
  offset = 0;
  override now(): number {
    return Date.now() + this.offset;
  }
}

/** A window that opened at the start of the clock's current minute and lasts one minute. */
function thisMinute(clock: ShiftedClock, extra: Record<string, unknown> = {}) {
  const now = new Date(clock.now());
  const end = new Date(now);
  end.setUTCSeconds(0, 0);
  end.setUTCMinutes(end.getUTCMinutes() + 1);
  return { window: { kind: 'deny', schedule: `${now.getUTCMinutes()} ${now.getUTCHours()} * * *`, durationMinutes: 1, timeZone: 'UTC', ...extra }, end };
}

describe('sync windows', () => {
  const clock = new ShiftedClock();
  let running: RunningApp;
  let api: ApiClient;
  let git: GitHttpServer;
  let repo: TestRepository;

  async function push(version: string): Promise<string> {
    const sha = await repo.commit({ 'apps/cfg/config.yaml': configMapYaml('sw1-config', { version }) }, { message: version });
    await expectStatus(api.post(`/api/v1/repositories/${REPO}/refresh`), 200);
    return sha;
  }

  beforeAll(async () => {
    git = await GitHttpServer.start();
    repo = await git.createRepository(REPO);
    await repo.commit({ 'apps/cfg/config.yaml': configMapYaml('sw1-config', { version: 'v1' }) });
    // moving the clock must never make a lease look lapsed
    running = await startApp({ ...SYNC_ENV, FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_SYNC__LEASE_SECONDS: '600' }, { clock });
    api = apiClient(running.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/clusters', clusterBody('sw1-east', east)));
    await expectStatus(api.post('/api/v1/repositories', { name: REPO, url: git.url(REPO), pollIntervalSeconds: 3600 }));
    await expectStatus(api.post('/api/v1/applications', { name: APP, repository: REPO, path: 'apps/cfg', destinations: [WHERE], syncPolicy: { intervalSeconds: 2 } }));
    await waitForTargets(api, APP, [KEY], (t) => t.sync === 'Synced' && t.health === 'Healthy', 'the first sync');
  });
  afterAll(async () => {
    await running?.close();
    await git?.stop();
  });

  it('holds a pushed commit back during a deny window, says until when, and syncs it when the window ends', async () => {
    // at least 15 s left in the minute, so the window is still on while the test looks
    const second = new Date(clock.now()).getUTCSeconds();
    if (second > 45) clock.offset += (60 - second) * 1000;
    const { window, end } = thisMinute(clock);
    const patched = await expectStatus(api.patch(`/api/v1/applications/${APP}`, { syncWindows: [window] }), 200);
    expect(patched.syncWindows).toEqual([{ ...window, manualSync: false }]);
    expect(patched.syncWindow).toMatchObject({ allowed: false, manualAllowed: false, until: end.toISOString() });
    expect(patched.syncWindow.reason).toContain('deny');

    const v2 = await push('v2');
    const waiting = await waitForTargets(
      api,
      APP,
      [KEY],
      (t) => t.desiredRevision === v2 && t.message === `waiting for sync window until ${end.toISOString()}`,
      'the target waits for the window',
    );
    expect(waiting.status.targets[0]).toMatchObject({ sync: 'OutOfSync', desiredRevision: v2 });
    await sleep(2000);
    expect((await getApplication(api, APP)).status.targets[0].revision.sha, 'nothing synced in the window').not.toBe(v2);

    const manual = await api.post(`/api/v1/applications/${APP}/sync`, {});
    expect(manual.status).toBe(409);
    expect(manual.body.message).toContain(`sync refused by the sync windows`);
    expect(manual.body.message).toContain(end.toISOString());

    // the window ends: the commit that became due meanwhile syncs at once, without another push
    clock.offset += end.getTime() - clock.now() + 500;
    await waitForTargets(api, APP, [KEY], (t) => t.revision?.sha === v2 && t.sync === 'Synced', 'the pending commit syncs after the window', 20_000);
    const [run] = await allRuns(api, APP);
    expect(run).toMatchObject({ revision: v2, phase: 'Succeeded' });
    expect(Date.parse(run.startedAt)).toBeGreaterThanOrEqual(end.getTime());
    const app = await getApplication(api, APP);
    expect(app.syncWindow.allowed).toBe(true);
  });

  it('lets a manual sync through a deny window with manualSync, while automated syncs keep waiting', async () => {
    const second = new Date(clock.now()).getUTCSeconds();
    if (second > 45) clock.offset += (60 - second) * 1000;
    const { window, end } = thisMinute(clock, { manualSync: true });
    const patched = await expectStatus(api.patch(`/api/v1/applications/${APP}`, { syncWindows: [window] }), 200);
    expect(patched.syncWindow).toMatchObject({ allowed: false, manualAllowed: true, until: end.toISOString() });
    const v3 = await push('v3');
    await waitForTargets(api, APP, [KEY], (t) => t.desiredRevision === v3 && (t.message ?? '').startsWith('waiting for sync window until'), 'v3 waits');

    const manual = await api.post(`/api/v1/applications/${APP}/sync`, {});
    expect(manual.status, JSON.stringify(manual.body)).toBe(202);
    await waitForTargets(
      api,
      APP,
      [KEY],
      (t) => t.revision?.sha === v3 && t.lastSyncRun?.trigger === 'manual' && t.lastSyncRun.phase === 'Succeeded',
      'the manual sync runs at once',
      15_000,
    );
    expect(clock.now(), 'still inside the window').toBeLessThan(end.getTime());
  });

  it('refuses windows that cannot work, naming the field', async () => {
    const bad = [
      [{ kind: 'deny', schedule: 'not a cron', durationMinutes: 5 }, 'syncWindows[0].schedule'],
      [{ kind: 'deny', schedule: '0 1 * * *', durationMinutes: 5, timeZone: 'Mars/Olympus' }, 'syncWindows[0].timeZone'],
      [{ kind: 'sometimes', schedule: '0 1 * * *', durationMinutes: 5 }, 'kind must be allow or deny'],
      [{ kind: 'allow', schedule: '0 1 * * *', durationMinutes: 0 }, 'durationMinutes'],
    ] as const;
    const before = await getApplication(api, APP);
    for (const [window, field] of bad) {
      const res = await api.patch(`/api/v1/applications/${APP}`, { syncWindows: [window] });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    }
    expect((await getApplication(api, APP)).syncWindows, 'nothing stored').toEqual(before.syncWindows);
  });
});
