// Polling driven by the clock, not by sleeping: the service runs on a ManualClock, so a poll
// interval of ten minutes is crossed in a test that takes a second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/common/scheduler';
import { ManualClock } from '../../src/shared/clock';
import { apiClient, type ApiClient } from '../support/api';
import { type RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer, type TestRepository } from '../support/git-server';

const ADMIN = 'polling-test-admin-token-0123456';
const POLL_SECONDS = 600;

describe('repository polling on the service clock', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let running: RunningApp;
  let admin: ApiClient;
  const clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));

  beforeAll(async () => {
    server = await GitHttpServer.start();
    repo = await server.createRepository('polled');
    await repo.commit({ 'a.yaml': 'v: 1\n' });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true' }, { clock });
    admin = apiClient(running.baseUrl, ADMIN);
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
  });

  it('fetches once per interval (±10 % jitter), never between, and stamps the fetch with the service clock', async () => {
    const created = await admin.post('/api/v1/repositories', { name: 'polled', url: server.url('polled'), pollIntervalSeconds: POLL_SECONDS });
    expect(created.status).toBe(201);
    expect(created.body.status.lastFetchedAt).toBe(clock.date().toISOString());
    expect(running.app.get(Scheduler).names()).toContain('repository-poll:polled');
    const sha = await repo.commit({ 'a.yaml': 'v: 2\n' });
    const fetches = () => server.fetchCount('polled');
    const afterCreate = fetches();

    // 89 % of the interval: below the earliest jittered poll
    await clock.advance(POLL_SECONDS * 890);
    expect(fetches()).toBe(afterCreate);
    expect((await admin.get('/api/v1/repositories/polled')).body.status.revision).not.toBe(sha);

    // past 111 %: exactly one poll, which saw the new commit
    await clock.advance(POLL_SECONDS * 221);
    // the poll's fetch runs git in a child process: real I/O that the manual clock does not drive
    const polled = (
      await eventually(
        'the poll',
        () => admin.get('/api/v1/repositories/polled'),
        (r) => r.body.status.revision === sha,
        // a fetch under a loaded CI machine took longer than eventually's default 15 s
        60_000,
      )
    ).body;
    expect(Date.parse(polled.status.lastFetchedAt)).toBeGreaterThan(Date.parse(created.body.status.lastFetchedAt) + POLL_SECONDS * 890);
    expect(fetches()).toBe(afterCreate + 1);
  }, 120_000);

  it('stops polling a deleted repository', async () => {
    await admin.post('/api/v1/repositories', { name: 'gone', url: server.url('polled'), pollIntervalSeconds: POLL_SECONDS });
    expect(running.app.get(Scheduler).names()).toContain('repository-poll:gone');
    expect((await admin.delete('/api/v1/repositories/gone')).status).toBe(204);
    expect(running.app.get(Scheduler).names()).not.toContain('repository-poll:gone');
  });
});
