// Progressive rollouts end to end (issue 25): three clusters labelled ring=0|1|2 (two of them the
// same test-bed API server under different names and namespaces), an application rolled out in
// three waves. A commit reaches ring 1 only once ring 0 is Healthy for its soak, ring 2 after ring
// 1; stale health never completes a wave; Degraded halts (hooks to Slack and a webhook), a fix
// commit supersedes; onFailure: rollback puts the first wave back; approval waits for an operator.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer, type TestRepository } from '../support/git-server';
import { expectStatus, hooksEnv, slackChannel, webhookChannel } from '../support/hooks';
import { SlackStandin } from '../support/slack-standin';
import { WebhookReceiver } from '../support/webhook-receiver';
import { allRuns, clusterBody, configMapYaml, deploymentYaml, getApplication, markDeploymentStuck, sleep, waitForTargets } from '../support/workloads';
import { DeploymentController, getRollout, ms, waitForRollout } from './support';

const [east, west] = inject('clusters');
const ADMIN = 'ro1-waves-admin-token-0123456789';
const SLACK_TOKEN = 'xoxb-ro1-slack-token';
const SECRET = 'ro1-webhook-secret-0123456789';
const APP = 'ro1-web';
const REPO = 'ro1-deploy';
const RINGS = [
  { cluster: 'ro1-r0', bed: east, ring: '0' },
  { cluster: 'ro1-r1', bed: west, ring: '1' },
  { cluster: 'ro1-r2', bed: east, ring: '2' },
];
const ns = (cluster: string) => `ro1-${cluster}`;
const KEYS = RINGS.map((r) => `${r.cluster}/${ns(r.cluster)}`);
const EVENTS = ['RolloutStarted', 'WaveStarted', 'WaveCompleted', 'RolloutAwaitingApproval', 'RolloutHalted', 'RolloutCompleted'];
const rolloutType = (e: string) => `io.flotilla.rollout.${e.toLowerCase()}`;

const files = (version: string) => ({
  'apps/web/config.yaml': configMapYaml('ro1-config', { version }),
  'apps/web/web.yaml': deploymentYaml('ro1-web', 1, `registry.example/web:${version}`),
});

describe('progressive rollouts through waves', { timeout: 120_000 }, () => {
  let running: RunningApp;
  let api: ApiClient;
  let git: GitHttpServer;
  let repo: TestRepository;
  let slack: SlackStandin;
  let hook: WebhookReceiver;
  const controller = new DeploymentController();
  const shas: Record<string, string> = {};

  async function push(version: string): Promise<string> {
    shas[version] = await repo.commit(files(version), { message: `web ${version}` });
    await expectStatus(api.post(`/api/v1/repositories/${REPO}/refresh`), 200);
    return shas[version];
  }

  async function revisions(): Promise<Record<string, string | undefined>> {
    const app = await getApplication(api, APP);
    return Object.fromEntries(app.status.targets.map((t: any) => [t.cluster, t.revision?.sha]));
  }

  beforeAll(async () => {
    git = await GitHttpServer.start();
    slack = await SlackStandin.start({ tokens: [SLACK_TOKEN] });
    hook = await WebhookReceiver.start({ secret: SECRET });
    repo = await git.createRepository(REPO);
    shas.v1 = await repo.commit(files('v1'), { message: 'web v1' });
    running = await startApp(hooksEnv(ADMIN, slack.url));
    api = apiClient(running.baseUrl, ADMIN);
    for (const r of RINGS) {
      await expectStatus(api.post('/api/v1/clusters', clusterBody(r.cluster, r.bed, { ring: r.ring })));
      controller.handle(r.cluster, r.bed, ns(r.cluster), 'ro1-web');
    }
    controller.start();
    await expectStatus(api.post('/api/v1/repositories', { name: REPO, url: git.url(REPO), pollIntervalSeconds: 3600 }));
    await expectStatus(api.post('/api/v1/channels', slackChannel('ro1-slack', SLACK_TOKEN, '#ro1-deploys')));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('ro1-hook', hook.url, { secret: SECRET })));
  });
  afterAll(async () => {
    controller.stop();
    await running?.close();
    await git?.stop();
    await slack?.close();
    await hook?.close();
  });

  it('rolls a commit out wave by wave: ring 1 only after ring 0 was Healthy for its soak, ring 2 after ring 1', async () => {
    const created = await expectStatus(
      api.post('/api/v1/applications', {
        name: APP,
        repository: REPO,
        path: 'apps/web',
        destinations: [{ clusterSelector: { matchExpressions: [{ key: 'ring', operator: 'Exists' }] }, namespace: 'ro1-{{cluster.name}}' }],
        syncPolicy: { intervalSeconds: 2 },
        rollout: {
          waves: [
            { name: 'ring0', clusterSelector: { matchLabels: { ring: '0' } }, soakSeconds: 2 },
            { name: 'ring1', clusters: ['ro1-r1'] },
          ],
        },
        hooks: [
          { on: EVENTS, channel: 'ro1-hook' },
          { on: ['RolloutStarted', 'RolloutHalted', 'RolloutCompleted'], channel: 'ro1-slack' },
        ],
      }),
    );
    expect(created.rollout).toEqual({
      waves: [
        { name: 'ring0', clusterSelector: { matchLabels: { ring: '0' } }, maxParallel: null, soakSeconds: 2, approval: false },
        { name: 'ring1', clusters: ['ro1-r1'], maxParallel: null, soakSeconds: 0, approval: false },
      ],
      orderBy: null,
      onFailure: 'halt',
      unreachableSeconds: 600,
      unreachable: 'halt',
    });
    const first = await waitForRollout(api, APP, shas.v1, (r) => r.state === 'Completed', 'the first rollout completes');
    // ring 2 matches no wave: the implicit last wave "rest", never left out
    expect(first.waves.map((w) => [w.name, w.targets.map((t) => t.cluster)])).toEqual([
      ['ring0', ['ro1-r0']],
      ['ring1', ['ro1-r1']],
      ['rest', ['ro1-r2']],
    ]);
    expect(Object.values(await revisions())).toEqual([shas.v1, shas.v1, shas.v1]);

    const v2 = await push('v2');
    // while ring 0 soaks, the later rings still hold v1 and say they wait
    const soaking = await waitForRollout(api, APP, v2, (r) => r.waves[0].state === 'Soaking', 'ring 0 soaks at v2');
    expect(soaking.waves.map((w) => w.state)).toEqual(['Soaking', 'Pending', 'Pending']);
    const app = await getApplication(api, APP);
    const byCluster = Object.fromEntries(app.status.targets.map((t: any) => [t.cluster, t]));
    expect(byCluster['ro1-r0'].revision.sha).toBe(v2);
    expect(byCluster['ro1-r1'].revision.sha).toBe(shas.v1);
    expect(byCluster['ro1-r2'].revision.sha).toBe(shas.v1);
    expect(byCluster['ro1-r1'].rollout).toEqual({ wave: 'ring1', state: 'Waiting' });
    expect(byCluster['ro1-r2'].rollout).toEqual({ wave: 'rest', state: 'Waiting' });
    expect(app.currentRollout).toMatchObject({ revision: v2, state: 'Progressing', wave: 'ring0' });

    const done = await waitForRollout(api, APP, v2, (r) => r.state === 'Completed', 'the v2 rollout completes');
    const [w0, w1, w2] = done.waves;
    expect(ms(w0.finishedAt) - ms(w0.soakStartedAt), 'ring 0 soaked 2 s').toBeGreaterThanOrEqual(2000);
    expect(ms(w1.startedAt)).toBeGreaterThanOrEqual(ms(w0.finishedAt));
    expect(ms(w2.startedAt)).toBeGreaterThanOrEqual(ms(w1.finishedAt));
    // the runs prove it too: each ring's v2 run started after the previous wave finished
    const runs = (await allRuns(api, APP, undefined, 100)).filter((r) => r.revision === v2 && r.phase === 'Succeeded');
    const startOf = (cluster: string) => Math.min(...runs.filter((r) => r.cluster === cluster).map((r) => Date.parse(r.startedAt)));
    expect(startOf('ro1-r1')).toBeGreaterThanOrEqual(ms(w0.finishedAt));
    expect(startOf('ro1-r2')).toBeGreaterThanOrEqual(ms(w1.finishedAt));
    expect(Object.values(await revisions())).toEqual([v2, v2, v2]);

    // the webhook heard every step, in order, as rollout CloudEvents (the last one is delivered
    // after the rollout is stored Completed: wait for it)
    const heard = () => hook.requests.filter((r) => r.event?.data?.revision?.sha === v2).map((r) => `${r.event!.type} ${r.event!.data.wave ?? ''}`.trim());
    const seen = await eventually(
      'every rollout event delivered',
      async () => heard(),
      (h) => h.includes(rolloutType('RolloutCompleted')),
      15_000,
    ).catch(() => heard());
    expect(seen).toEqual([
      rolloutType('RolloutStarted'),
      `${rolloutType('WaveStarted')} ring0`,
      `${rolloutType('WaveCompleted')} ring0`,
      `${rolloutType('WaveStarted')} ring1`,
      `${rolloutType('WaveCompleted')} ring1`,
      `${rolloutType('WaveStarted')} rest`,
      `${rolloutType('WaveCompleted')} rest`,
      rolloutType('RolloutCompleted'),
    ]);
    expect(hook.requests.every((r) => r.verified)).toBe(true);
  });

  it('does not complete a wave on health read from before its run: a status still Available from the previous revision', async () => {
    controller.pause('ro1-r0');
    const v3 = await push('v3');
    // ring 0's run applied v3; its Deployment's status still says Available (observedGeneration behind)
    await waitForTargets(api, APP, KEYS, (t) => t.cluster !== 'ro1-r0' || (t.revision?.sha === v3 && t.lastSyncRun?.phase === 'Succeeded'), 'ring 0 ran v3');
    await sleep(3000);
    const waiting = await getRollout(api, APP);
    expect(waiting.revision).toBe(v3);
    expect(waiting.waves.map((w) => w.state)).toEqual(['Progressing', 'Pending', 'Pending']);
    expect(waiting.waves[0].targets[0]).toMatchObject({ cluster: 'ro1-r0', state: 'Syncing' });
    expect((await revisions())['ro1-r1'], 'ring 1 has not moved').toBe(shas.v2);
    controller.resume('ro1-r0'); // the controller writes the status of the new generation
    await waitForRollout(api, APP, v3, (r) => r.state === 'Completed', 'the v3 rollout completes once health is fresh');
  });

  it('halts when a Deployment goes Degraded in the first wave; later rings keep their revision; a fix commit supersedes', async () => {
    controller.pause('ro1-r0');
    const v4 = await push('v4');
    await waitForTargets(api, APP, KEYS, (t) => t.cluster !== 'ro1-r0' || (t.revision?.sha === v4 && t.lastSyncRun?.phase === 'Succeeded'), 'ring 0 ran v4');
    await markDeploymentStuck(east, ns('ro1-r0'), 'ro1-web');
    const halted = await waitForRollout(api, APP, v4, (r) => r.state === 'Halted', 'the v4 rollout halts');
    expect(halted.haltedTarget).toEqual({ cluster: 'ro1-r0', namespace: ns('ro1-r0') });
    expect(halted.message).toContain('Degraded');
    expect(halted.waves.map((w) => w.state)).toEqual(['Halted', 'Pending', 'Pending']);
    await sleep(2000);
    const held = await revisions();
    expect([held['ro1-r1'], held['ro1-r2']], 'rings 1 and 2 keep v3').toEqual([shas.v3, shas.v3]);

    const [event] = await eventually(
      'RolloutHalted at the webhook',
      async () => hook.requests.filter((r) => r.event?.type === rolloutType('RolloutHalted')),
      (l) => l.length > 0,
      15_000,
    );
    expect(event.verified).toBe(true);
    expect(event.event!.data).toMatchObject({
      type: 'RolloutHalted',
      application: APP,
      wave: 'ring0',
      target: { cluster: 'ro1-r0', namespace: ns('ro1-r0') },
      state: 'Halted',
      revision: { sha: v4 },
    });
    expect(event.event!.data.reason).toContain('Degraded');
    const slackHalt = await eventually(
      'RolloutHalted on Slack',
      async () => slack.callsTo('chat.postMessage').filter((c) => String(c.params.text).toLowerCase().includes('halted')),
      (l) => l.length > 0,
      15_000,
    );
    expect(slackHalt[0].params.channel).toBe('#ro1-deploys');
    expect(String(slackHalt[0].params.text)).toContain(APP);

    // the fix: a newer commit supersedes the halted rollout and starts again from the first wave
    controller.resume('ro1-r0');
    const v5 = await push('v5');
    const fixed = await waitForRollout(api, APP, v5, (r) => r.state === 'Completed', 'the fix rolls out');
    expect(fixed.supersedes).toBe(halted.id);
    expect(ms(fixed.waves[0].startedAt)).toBeGreaterThanOrEqual(ms(fixed.startedAt));
    const history = await eventually(
      'the halted rollout is superseded',
      async () => (await api.get(`/api/v1/applications/${APP}/rollout`)).body,
      (r) => r.id === fixed.id,
    );
    expect(history.state).toBe('Completed');
    expect(Object.values(await revisions())).toEqual([v5, v5, v5]);
    const started = hook.requests.find((r) => r.event?.type === rolloutType('RolloutStarted') && r.event.data.revision.sha === v5);
    expect(started?.event?.data).toMatchObject({ supersedes: halted.id });
  });

  it('with onFailure: rollback, a Degraded first wave is put back to the revision it held', async () => {
    const app = await getApplication(api, APP);
    await expectStatus(api.patch(`/api/v1/applications/${APP}`, { rollout: { ...app.rollout, onFailure: 'rollback' } }), 200);
    controller.pause('ro1-r0');
    const v6 = await push('v6');
    await waitForTargets(api, APP, KEYS, (t) => t.cluster !== 'ro1-r0' || (t.revision?.sha === v6 && t.lastSyncRun?.phase === 'Succeeded'), 'ring 0 ran v6');
    await markDeploymentStuck(east, ns('ro1-r0'), 'ro1-web');
    controller.resume('ro1-r0'); // what it runs after the rollback becomes ready again
    const back = await waitForRollout(api, APP, v6, (r) => r.state === 'RolledBack', 'the v6 rollout rolls back');
    expect(back.waves[0]).toMatchObject({ name: 'ring0', state: 'RolledBack' });
    expect(back.waves[0].targets[0]).toMatchObject({ cluster: 'ro1-r0', state: 'RolledBack', from: shas.v5 });
    expect(Object.values(await revisions())).toEqual([shas.v5, shas.v5, shas.v5]);
    const rollbackRun = (await allRuns(api, APP, { cluster: 'ro1-r0', namespace: ns('ro1-r0') }))[0];
    expect(rollbackRun).toMatchObject({ revision: shas.v5, trigger: 'rollback', phase: 'Succeeded' });
    // the application still follows its branch: the bad commit does not start again by itself
    await sleep(1500);
    expect((await getRollout(api, APP)).id).toBe(back.id);
  });

  it("waits for an operator to approve a wave; a viewer's approve is refused", async () => {
    const app = await getApplication(api, APP);
    const waves = app.rollout.waves.map((w: any) => (w.name === 'ring1' ? { ...w, approval: true } : w));
    await expectStatus(api.patch(`/api/v1/applications/${APP}`, { rollout: { ...app.rollout, waves, onFailure: 'halt' } }), 200);
    const tokens: Record<string, string> = {};
    for (const role of ['viewer', 'operator']) tokens[role] = (await expectStatus(api.post('/api/v1/tokens', { name: `ro1-${role}`, role }))).token;
    const v7 = await push('v7');
    const awaiting = await waitForRollout(api, APP, v7, (r) => r.state === 'AwaitingApproval', 'ring 1 awaits approval');
    expect(awaiting.waves.map((w) => w.state)).toEqual(['Completed', 'AwaitingApproval', 'Pending']);
    await sleep(1500);
    expect((await revisions())['ro1-r1'], 'nothing moves without approval').toBe(shas.v5);

    const viewer = await apiClient(running.baseUrl, tokens.viewer).post(`/api/v1/applications/${APP}/rollout/approve`);
    expect(viewer.status).toBe(403);
    const promoteEarly = await apiClient(running.baseUrl, tokens.operator).post(`/api/v1/applications/${APP}/rollout/promote`);
    expect(promoteEarly.status, 'nothing soaks yet').toBe(409);
    const approved = await apiClient(running.baseUrl, tokens.operator).post(`/api/v1/applications/${APP}/rollout/approve`);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.waves[1].approvedBy).toBe('ro1-operator');
    await waitForRollout(api, APP, v7, (r) => r.state === 'Completed', 'the approved rollout completes');
    expect(Object.values(await revisions())).toEqual([v7, v7, v7]);
    expect(
      hook.requests.filter((r) => r.event?.type === rolloutType('RolloutAwaitingApproval') && r.event.data.revision.sha === v7),
      'announced once',
    ).toHaveLength(1);
    // audited: who approved, and what the rollout did after
    const approvals = (await api.get('/api/v1/audit?action=applications.rollout.approve&limit=10')).body.items;
    expect(approvals.map((e: any) => [e.actor, e.outcome])).toContainEqual(['ro1-operator', expect.anything()]);
    const completions = (await api.get('/api/v1/audit?action=rollout.rolloutCompleted&limit=50')).body.items;
    expect(
      completions.some((e: any) => e.details?.revision === v7),
      JSON.stringify(completions.slice(0, 2)),
    ).toBe(true);
  });

  it("forgets an application's rollouts with it: a new application of the same name starts with none", async () => {
    const before = await getApplication(api, APP);
    expect((await api.delete(`/api/v1/applications/${APP}`)).status).toBe(204);
    await expectStatus(api.post('/api/v1/applications', { name: APP, repository: REPO, path: 'apps/web', destinations: before.destinations }));
    const res = await api.get(`/api/v1/applications/${APP}/rollout`);
    expect(res.status).toBe(404);
    expect(res.body.message).toBe(`application "${APP}" has no rollout: set rollout in its definition`);
  });
});
