// A cluster that stops answering mid-rollout (issue 25): its wave waits unreachableSeconds and then
// halts (unreachable: halt) — never hangs; a superseding commit starts again from the first wave,
// and with unreachable: skip the rollout completes without the dead cluster, which catches up on
// the released revision once it answers again. The cluster is a test-bed API server behind a TCP
// forwarder the test cuts, as a dead link would.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { GitHttpServer, type TestRepository } from '../support/git-server';
import { expectStatus } from '../support/hooks';
import { clusterBody, configMapYaml, getApplication, SYNC_ENV, waitForTargets } from '../support/workloads';
import { Forwarder, ms, waitForRollout } from './support';

const [east, west] = inject('clusters');
const ADMIN = 'ru1-unreachable-admin-token-0123456789';
const APP = 'ru1-app';
const REPO = 'ru1-deploy';
const KEYS = ['ru1-near/ru1-ru1-near', 'ru1-far/ru1-ru1-far'];

describe('a cluster that stops answering mid-rollout', { timeout: 120_000 }, () => {
  let running: RunningApp;
  let api: ApiClient;
  let git: GitHttpServer;
  let repo: TestRepository;
  const far = new Forwarder(new URL(west.server));

  async function push(version: string): Promise<string> {
    const sha = await repo.commit({ 'apps/cfg/config.yaml': configMapYaml('ru1-config', { version }) }, { message: version });
    await expectStatus(api.post(`/api/v1/repositories/${REPO}/refresh`), 200);
    return sha;
  }

  const revisionAt = async (cluster: string) => (await getApplication(api, APP)).status.targets.find((t: any) => t.cluster === cluster)?.revision?.sha;

  beforeAll(async () => {
    await far.open();
    git = await GitHttpServer.start();
    repo = await git.createRepository(REPO);
    await repo.commit({ 'apps/cfg/config.yaml': configMapYaml('ru1-config', { version: 'v1' }) });
    running = await startApp({ ...SYNC_ENV, FLOTILLA_ADMIN_TOKEN: ADMIN });
    api = apiClient(running.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/clusters', clusterBody('ru1-near', east, { group: 'ru1' })));
    await expectStatus(api.post('/api/v1/clusters', { ...clusterBody('ru1-far', west, { group: 'ru1' }), server: far.url }));
    await expectStatus(api.post('/api/v1/repositories', { name: REPO, url: git.url(REPO), pollIntervalSeconds: 3600 }));
    await expectStatus(
      api.post('/api/v1/applications', {
        name: APP,
        repository: REPO,
        path: 'apps/cfg',
        syncPolicy: { intervalSeconds: 2 },
        destinations: [{ clusterSelector: { matchLabels: { group: 'ru1' } }, namespace: 'ru1-{{cluster.name}}' }],
        rollout: {
          waves: [
            { name: 'near', clusters: ['ru1-near'] },
            { name: 'far', clusters: ['ru1-far'] },
          ],
          unreachableSeconds: 3,
        },
      }),
    );
    await waitForTargets(api, APP, KEYS, (t) => t.sync === 'Synced' && t.health === 'Healthy', 'the first rollout reaches both clusters');
  });
  afterAll(async () => {
    await running?.close();
    await git?.stop();
    await far.cut();
  });

  it('halts after unreachableSeconds, restarts from wave one on a newer commit, and skips the dead cluster with unreachable: skip', async () => {
    await far.cut();
    const v2 = await push('v2');
    const halted = await waitForRollout(api, APP, v2, (r) => r.state === 'Halted', 'the rollout halts on the dead cluster');
    expect(halted.haltedTarget).toEqual({ cluster: 'ru1-far', namespace: 'ru1-ru1-far' });
    expect(halted.message).toContain('unreachable for more than 3s');
    expect(halted.waves.map((w) => w.state)).toEqual(['Completed', 'Halted', 'Pending']);
    const stuck = halted.waves[1].targets[0];
    expect(Date.now() - ms(stuck.releasedAt), 'it waited unreachableSeconds first').toBeGreaterThanOrEqual(3000);
    expect(await revisionAt('ru1-near')).toBe(v2);

    // a newer commit supersedes it and starts again from the first wave; this time the dead cluster is skipped
    const app = await getApplication(api, APP);
    await expectStatus(api.patch(`/api/v1/applications/${APP}`, { rollout: { ...app.rollout, unreachable: 'skip' } }), 200);
    const v3 = await push('v3');
    const done = await waitForRollout(api, APP, v3, (r) => r.state === 'Completed', 'the newer rollout completes without the dead cluster');
    expect(done.supersedes).toBe(halted.id);
    expect(ms(done.waves[0].startedAt)).toBeGreaterThanOrEqual(ms(done.startedAt));
    expect(ms(done.waves[0].startedAt), 'wave one ran again for the new commit').toBeGreaterThan(ms(halted.waves[0].finishedAt));
    expect(done.waves[1].targets[0]).toMatchObject({ cluster: 'ru1-far', state: 'Skipped' });
    expect(done.waves[1].targets[0].message).toContain('skipped: unreachable for more than 3s');
    expect(await revisionAt('ru1-near')).toBe(v3);

    // back online, the skipped cluster catches up on the revision the rollout released to it
    await far.open();
    await waitForTargets(api, APP, KEYS, (t) => t.revision?.sha === v3 && t.sync === 'Synced', 'the dead cluster catches up once it answers', 45_000);
  });
});
