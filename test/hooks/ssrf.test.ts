// The SSRF guard on webhook channels. A URL on the cloud metadata address 169.254.169.254 (in any
// spelling the URL parser turns into it) or elsewhere in link-local space is refused when the
// channel is created or changed, even with private networks allowed. At send time too: a channel
// row that points there (as if stored under an older policy) fails its deliveries for good with
// an address refusal on the first attempt, and nothing is reached. Loopback and private receivers,
// fine while private networks were allowed, are refused once the service runs with the default
// configuration for hooks (the variable unset, so config/default.yaml decides): at create, and at
// send for the channels stored while they were allowed.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rmSync } from 'node:fs';
import { Channel } from '../../src/channels/channel.entity';
import { Database } from '../../src/database/database';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { ipv6FormsOf } from '../support/embedded-ipv4';
import { GitHttpServer } from '../support/git-server';
import { deliveriesOf, eventsAt, expectStatus, hooksEnv, sleep, waitForDeliveries, waitForEvents, webhookChannel } from '../support/hooks';
import { WebhookReceiver } from '../support/webhook-receiver';
import { clusterBody, configMapYaml, deleteObject, getObject } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'hk7-ssrf-admin-token-0123456789';
const APP = 'hk7-app';
const NS = 'hk7-ns';
const KEY = Buffer.alloc(32, 7).toString('base64');

describe('webhook addresses', () => {
  let running: RunningApp;
  let api: ApiClient;
  let git: GitHttpServer;
  let receiver: WebhookReceiver;
  let dataDir: string;

  beforeAll(async () => {
    git = await GitHttpServer.start();
    receiver = await WebhookReceiver.start();
    const repo = await git.createRepository('hk7-deploy');
    await repo.commit({ 'apps/a/config.yaml': configMapYaml('hk7-config', { a: '1' }) }, { message: 'config' });
    running = await startApp(hooksEnv(ADMIN, undefined, { FLOTILLA_SECRET_KEY: KEY }), { keepDataDir: true });
    dataDir = running.dataDir;
    api = apiClient(running.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/clusters', clusterBody('hk7-east', east)));
    await expectStatus(api.post('/api/v1/repositories', { name: 'hk7-deploy', url: git.url('hk7-deploy'), pollIntervalSeconds: 3600 }));
  });
  afterAll(async () => {
    await running?.close();
    await git?.stop();
    await receiver?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses 169.254.169.254 and link-local addresses when a channel is created or changed, private networks allowed or not', async () => {
    const metadata = [
      'http://169.254.169.254/latest/meta-data/',
      'https://169.254.169.254/',
      'http://2852039166/',
      'http://0xa9.0xfe.0xa9.0xfe/',
      'http://[::ffff:169.254.169.254]/',
    ];
    // every IPv6 form that carries it: mapped, compatible, translated, NAT64, 6to4, Teredo
    metadata.push(...ipv6FormsOf('169.254.169.254').map(({ address }) => `http://[${address}]/latest/meta-data/`));
    for (const url of metadata) {
      const res = await api.post('/api/v1/channels', webhookChannel('hk7-metadata', url));
      expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.message, url).toContain('169.254.169.254');
    }
    const linkLocal = await api.post('/api/v1/channels', webhookChannel('hk7-link-local', 'http://169.254.10.20:8080/hook'));
    expect(linkLocal.status).toBe(400);
    expect(linkLocal.body.message).toContain('169.254.10.20');
    const googleMetadata = await api.post('/api/v1/channels', webhookChannel('hk7-gce', 'http://metadata.google.internal/computeMetadata/v1/'));
    expect(googleMetadata.status).toBe(400);
    expect(googleMetadata.body.message).toContain('metadata.google.internal');
    expect((await api.get('/api/v1/channels')).body, 'nothing stored').toEqual([]);

    // changing a good channel to the metadata address is refused the same way, and leaves it as it was
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk7-hook', receiver.urlFor('/hook'))));
    const changed = await api.patch('/api/v1/channels/hk7-hook', { webhook: { url: 'http://169.254.169.254/latest/meta-data/iam/' } });
    expect(changed.status).toBe(400);
    expect(changed.body.message).toContain('169.254.169.254');
    expect((await api.get('/api/v1/channels/hk7-hook')).body.webhook.url).toBe(receiver.urlFor('/hook'));
  });

  it('refuses them at send time too: a stored channel pointing there fails for good, reaching nothing', async () => {
    // stored as if under an older policy: created at the receiver, then pointed at the metadata address in the database
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk7-meta', receiver.urlFor('/meta'))));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk7-meta-int', receiver.urlFor('/meta-int'))));
    const db = running.app.get(Database);
    await db.write((tx) => tx.update(Channel, { name: 'hk7-meta' }, { url: 'http://169.254.169.254/latest/meta-data/' }));
    await db.write((tx) => tx.update(Channel, { name: 'hk7-meta-int' }, { url: 'http://2852039166/latest/meta-data/' }));
    expect((await api.get('/api/v1/channels/hk7-meta')).body.webhook.url).toBe('http://169.254.169.254/latest/meta-data/');

    const test = await api.post('/api/v1/channels/hk7-meta/test');
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ ok: false, status: null });
    expect(test.body.message).toContain('169.254.169.254');

    const on = ['PreSync', 'PostSync'];
    await expectStatus(
      api.post('/api/v1/applications', {
        name: APP,
        repository: 'hk7-deploy',
        path: 'apps/a',
        destinations: [{ cluster: 'hk7-east', namespace: NS }],
        syncPolicy: { intervalSeconds: 2 },
        hooks: [
          { on, channel: 'hk7-meta' },
          { on, channel: 'hk7-meta-int' },
          { on, channel: 'hk7-hook' },
        ],
      }),
    );
    // the good channel gets both events: the events were there to send
    await waitForEvents(receiver, 'PostSync', 1);
    for (const channel of ['hk7-meta', 'hk7-meta-int']) {
      const log = await waitForDeliveries(
        api,
        channel,
        (d) => d.filter((x) => x.kind === 'target').length === 2 && d.every((x) => x.state === 'failed'),
        `${channel}: both events failed`,
        20_000,
      );
      for (const d of log.filter((x) => x.kind === 'target')) {
        expect(d, `${channel} ${d.event}`).toMatchObject({ state: 'failed', attempts: 1, lastStatus: null, deliveredAt: null });
        expect(d.lastError, `${channel} ${d.event}: an address refusal`).toMatch(/refused/i);
        expect(d.lastError).toContain('169.254.169.254');
      }
    }
    await sleep(3_000);
    expect(
      receiver.requests.filter((r) => r.path !== '/hook').map((r) => r.path),
      'nothing reached through the old address',
    ).toEqual([]);
    for (const channel of ['hk7-meta', 'hk7-meta-int']) {
      expect(
        (await deliveriesOf(api, channel)).every((d) => d.state === 'failed' && d.attempts === 1),
        `${channel}: never tried again`,
      ).toBe(true);
    }
    const audit = await api.get('/api/v1/audit?action=delivery.failed&limit=20');
    expect(audit.body.items.filter((e: { subject: string }) => e.subject.startsWith('hk7-meta/')).length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('refuses loopback and private receivers under the default configuration: at create, and at send for channels stored while allowed', async () => {
    // stored while private networks were allowed; a private address nothing listens on, with a short timeout
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk7-private', 'http://10.20.30.40:8080/hook', { timeoutSeconds: 1 })));
    const sent = eventsAt(receiver).length;
    await running.close();
    const defaults = hooksEnv(ADMIN, undefined, { FLOTILLA_SECRET_KEY: KEY });
    delete defaults.FLOTILLA_HOOKS__ALLOW_PRIVATE_NETWORKS; // what config/default.yaml says, nothing else
    running = await startApp(defaults, { dataDir });
    api = apiClient(running.baseUrl, ADMIN);
    const refusedAtCreate = {
      [receiver.urlFor('/new')]: '127.0.0.1',
      'http://[::1]:8080/hook': '::1',
      'http://10.1.2.3/hook': '10.1.2.3',
      'http://192.168.1.10:8080/hook': '192.168.1.10',
      'http://172.16.0.5/hook': '172.16.0.5',
    };
    for (const [url, address] of Object.entries(refusedAtCreate)) {
      const refused = await api.post('/api/v1/channels', webhookChannel('hk7-refused', url));
      expect(refused.status, `${url}: ${JSON.stringify(refused.body)}`).toBe(400);
      expect(refused.body.message, url).toContain(address);
    }
    expect(
      (await api.get('/api/v1/channels')).body.map((c: { name: string }) => c.name),
      'none of them stored',
    ).not.toContain('hk7-refused');

    // the private channel stored before: refused at send, not tried
    const test = await api.post('/api/v1/channels/hk7-private/test');
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ ok: false, status: null });
    expect(test.body.message).toMatch(/refused/i);
    expect(test.body.message).toContain('10.20.30.40');
    const [tried] = await deliveriesOf(api, 'hk7-private');
    expect(tried).toMatchObject({ kind: 'test', state: 'failed', attempts: 1, lastStatus: null });

    // a new run: the object deleted by hand, a manual sync puts it back
    await deleteObject(east, 'ConfigMap', NS, 'hk7-config');
    expect((await api.post(`/api/v1/applications/${APP}/sync`, {})).status).toBe(202);
    const before = (await deliveriesOf(api, 'hk7-hook')).length;
    const log = await waitForDeliveries(
      api,
      'hk7-hook',
      (d) => d.length >= before + 2 && d.slice(0, d.length - before).every((x) => x.state === 'failed'),
      'the new events refused',
      30_000,
    );
    expect(await getObject(east, 'ConfigMap', NS, 'hk7-config'), 'the run itself went on').not.toBeNull();
    for (const d of log.slice(0, log.length - before)) {
      expect(d).toMatchObject({ state: 'failed', attempts: 1, lastStatus: null });
      expect(d.lastError).toMatch(/refused/i);
      expect(d.lastError).toContain('127.0.0.1');
    }
    await sleep(2_000);
    expect(eventsAt(receiver).length, 'the receiver got nothing more').toBe(sent);
  }, 90_000);

  it('refuses every IPv6 form that carries a loopback, private, link-local or metadata IPv4 address: mapped, compatible, translated, NAT64, 6to4, Teredo', async () => {
    // still the default configuration of the test before: loopback and private receivers refused too
    const targets = {
      '127.0.0.1': /loopback/,
      '10.1.2.3': /private-network/,
      '192.168.1.10': /private-network/,
      '169.254.10.20': /link-local.*never allowed/,
      '169.254.169.254': /cloud metadata.*never allowed/,
    };
    const problems: string[] = [];
    for (const [v4, kind] of Object.entries(targets)) {
      for (const { form, address } of ipv6FormsOf(v4)) {
        const url = `http://[${address}]:8080/hook`;
        const res = await api.post('/api/v1/channels', webhookChannel('hk7-embedded', url));
        if (res.status === 201) await api.delete('/api/v1/channels/hk7-embedded');
        if (res.status !== 400) problems.push(`${form} of ${v4}: ${url} answered ${res.status}`);
        else if (!res.body.message.includes(`(${v4})`) || !kind.test(res.body.message)) problems.push(`${form} of ${v4}: ${url}: ${res.body.message}`);
      }
    }
    expect(problems, 'every form refused, naming the IPv4 address inside and why').toEqual([]);
    // the example
    const example = await api.post('/api/v1/channels', webhookChannel('hk7-embedded', 'http://[::ffff:0:7f00:1]/'));
    expect(example.status).toBe(400);
    expect(example.body.message).toContain('::ffff:0:7f00:1 (127.0.0.1) is a loopback address');
  });
});
