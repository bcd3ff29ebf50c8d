import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { freePort } from '../support/ports';
import { issueClientCertificate, kubeconfigYaml, TestBed } from '../testbed/cluster';
import { ApiClient, ApiResponse, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';

const [east, west] = inject('clusters');
const ADMIN = 'clusters-test-admin-token-0123456789';

const byToken = (name: string, c: { server: string; caData: string }, token: string, labels: Record<string, string> = {}) => ({
  name,
  server: c.server,
  labels,
  tls: { caData: c.caData },
  auth: { type: 'bearerToken', token },
});

const FLEET_LABELS = {
  east: { env: 'prod', region: 'eu' },
  west: { env: 'prod', region: 'us', tier: 'edge' },
  'east-cert': { env: 'staging' },
} as const;

describe('the cluster registry', () => {
  let running: RunningApp;
  let admin: ApiClient;
  /** answers to registering the fleet every test here may read: east, west, east-cert, west-kubeconfig */
  let fleet: ApiResponse[];

  beforeAll(async () => {
    running = await startApp({
      FLOTILLA_ADMIN_TOKEN: ADMIN,
      FLOTILLA_LOG_LEVEL: 'debug',
      FLOTILLA_CLUSTERS__CHECK_INTERVAL_SECONDS: '1',
      FLOTILLA_CLUSTERS__CHECK_TIMEOUT_SECONDS: '2',
    });
    admin = apiClient(running.baseUrl, ADMIN);
    const cert = issueClientCertificate(east, 'flotilla-cert-user', ['system:masters']);
    fleet = await Promise.all([
      admin.post('/api/v1/clusters', byToken('east', east, east.adminToken, FLEET_LABELS.east)),
      admin.post('/api/v1/clusters', byToken('west', west, west.adminToken, FLEET_LABELS.west)),
      admin.post('/api/v1/clusters', {
        name: 'east-cert',
        server: east.server,
        labels: FLEET_LABELS['east-cert'],
        tls: { caData: east.caData },
        auth: { type: 'clientCertificate', certData: cert.certData, keyData: cert.keyData },
      }),
      admin.post('/api/v1/clusters', { name: 'west-kubeconfig', kubeconfig: readFileSync(west.kubeconfigPath, 'utf8'), context: west.name }),
    ]);
  });
  afterAll(() => running.close());

  it('registers clusters by token, client certificate and kubeconfig, all Connected with their version', async () => {
    expect(fleet.map((r) => [r.status, r.body.name])).toEqual([
      [201, 'east'],
      [201, 'west'],
      [201, 'east-cert'],
      [201, 'west-kubeconfig'],
    ]);
    for (const r of fleet) {
      expect(r.body.status, r.body.name).toMatchObject({ phase: 'Connected', kubernetesVersion: 'v1.34.4', message: 'connected to Kubernetes v1.34.4' });
      expect(Date.parse(r.body.status.lastCheckedAt)).toBeGreaterThan(Date.now() - 60_000);
    }
    const [byEastToken, byWestToken, byCertificate, byKubeconfig] = fleet.map((r) => r.body);
    expect(byEastToken).toMatchObject({
      server: east.server,
      labels: FLEET_LABELS.east,
      tls: { caData: east.caData },
      source: 'fields',
      auth: { type: 'bearerToken', hasToken: true },
    });
    expect(byWestToken).toMatchObject({ server: west.server, labels: FLEET_LABELS.west, auth: { type: 'bearerToken', hasToken: true } });
    expect(byCertificate.auth).toEqual({ type: 'clientCertificate', hasClientCertificate: true });
    expect(byKubeconfig).toMatchObject({
      source: 'kubeconfig',
      context: west.name,
      server: west.server,
      tls: { caData: west.caData },
      auth: { type: 'bearerToken', hasToken: true },
    });
    // registered for good: read back, each is the cluster it was registered as
    for (const registered of fleet.map((r) => r.body)) {
      const read = await admin.get(`/api/v1/clusters/${registered.name}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ name: registered.name, server: registered.server, auth: registered.auth, source: registered.source });
    }
  });

  it('says Unauthorized for a wrong token and Error naming certificate verification for a wrong CA', async () => {
    const wrong = await admin.post('/api/v1/clusters', byToken('wrong-token', east, 'flotilla-canary-wrong-token-1234'));
    expect(wrong.status).toBe(201);
    expect(wrong.body.status.phase).toBe('Unauthorized');
    expect(wrong.body.status.message).toContain('rejected the credentials (401)');
    const wrongCa = await admin.post('/api/v1/clusters', byToken('wrong-ca', { server: east.server, caData: west.caData }, east.adminToken));
    expect(wrongCa.status).toBe(201);
    expect(wrongCa.body.status.phase).toBe('Error');
    expect(wrongCa.body.status.message).toMatch(/certificate verification failed/);
  });

  it('says Unreachable for a port nothing listens on or one that never answers, and Error for credentials that may not list namespaces', async () => {
    const port = await freePort();
    const dead = await admin.post('/api/v1/clusters', byToken('dead', { server: `https://127.0.0.1:${port}`, caData: east.caData }, 'x-token-x'));
    expect(dead.status).toBe(201);
    expect(dead.body.status.phase).toBe('Unreachable');
    expect(dead.body.status.message).toContain('ECONNREFUSED');
    // a listener that accepts and never answers: only the check timeout (2 s here) ends the probe
    const held: Socket[] = [];
    const silent = createServer((sock) => held.push(sock)).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    try {
      const silentServer = `https://127.0.0.1:${(silent.address() as { port: number }).port}`;
      const hung = await admin.post('/api/v1/clusters', byToken('silent', { server: silentServer, caData: east.caData }, 'x-token-x'));
      expect(hung.status).toBe(201);
      expect(hung.body.status.phase).toBe('Unreachable');
      expect(hung.body.status.message).toContain('no answer within 2 s');
      expect(held.length).toBeGreaterThan(0);
    } finally {
      held.forEach((sock) => sock.destroy());
      silent.close();
    }
    expect((await admin.delete('/api/v1/clusters/silent')).status).toBe(204);
    const limited = await admin.post('/api/v1/clusters', byToken('limited', east, east.limitedToken));
    expect(limited.status).toBe(201);
    expect(limited.body.status.phase).toBe('Error');
    expect(limited.body.status.message).toContain('may not list namespaces (403)');
  });

  it('takes a rotated token into use on the next call, both ways', async () => {
    const registered = await admin.post('/api/v1/clusters', byToken('rotated', east, 'flotilla-canary-not-yet-valid-9012'));
    expect(registered.status).toBe(201);
    expect(registered.body.status.phase).toBe('Unauthorized');
    const fixed = await admin.patch('/api/v1/clusters/rotated', { auth: { type: 'bearerToken', token: east.adminToken } });
    expect(fixed.status).toBe(200);
    expect(fixed.body.status.phase).toBe('Connected');
    const revoked = await admin.patch('/api/v1/clusters/rotated', { auth: { type: 'bearerToken', token: 'flotilla-canary-rotated-away-5678' } });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status.phase).toBe('Unauthorized');
    const checked = await admin.post('/api/v1/clusters/rotated/check');
    expect(checked.status).toBe(200);
    expect(checked.body.status.phase).toBe('Unauthorized');
    expect(Date.parse(checked.body.status.lastCheckedAt)).toBeGreaterThanOrEqual(Date.parse(revoked.body.status.lastCheckedAt));
  });

  it('selects clusters by label selector, sees a label change at once, and explains a bad selector', async () => {
    const names = async (selector: string) => {
      const res = await admin.get(`/api/v1/clusters?selector=${encodeURIComponent(selector)}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.map((c: { name: string }) => c.name);
    };
    // every other cluster in this registry is unlabelled, so none of these selects it
    expect(await names('env=prod')).toEqual(['east', 'west']);
    expect(await names('env=prod,tier!=edge')).toEqual(['east']);
    expect(await names('env in (prod, staging),!tier')).toEqual(['east', 'east-cert']);
    expect(await names('region notin (eu),env')).toEqual(['east-cert', 'west']);
    const bad = await admin.get(`/api/v1/clusters?selector=${encodeURIComponent('env in (prod')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('unbalanced "("');
    try {
      const relabelled = await admin.patch('/api/v1/clusters/west', { labels: { env: 'dev' } });
      expect(relabelled.status).toBe(200);
      expect(relabelled.body.labels).toEqual({ env: 'dev' });
      expect(await names('env=prod')).toEqual(['east']);
      expect(await names('env=dev')).toEqual(['west']);
    } finally {
      expect((await admin.patch('/api/v1/clusters/west', { labels: FLEET_LABELS.west })).status).toBe(200);
    }
  });

  it('validates names, servers, PEM data and kubeconfigs with clear errors', async () => {
    const cases: [unknown, number, string][] = [
      [byToken('Bad_Name', east, 't'), 400, 'name must be a DNS-1123 label'],
      [byToken('plain-http', { server: 'http://127.0.0.1:1', caData: east.caData }, 't'), 400, 'server must be https://'],
      [{ ...byToken('bad-ca', east, 't'), tls: { caData: 'bm90IGEgcGVt' } }, 400, 'caData must be base64 of a PEM document'],
      [{ name: 'bad-cert', server: east.server, auth: { type: 'clientCertificate', certData: east.caData, keyData: 'Zm9v' } }, 400, 'keyData'],
      [{ name: 'no-auth', server: east.server }, 400, 'auth is required'],
      [{ name: 'both', server: east.server, kubeconfig: 'x' }, 400, 'either kubeconfig'],
      [{ ...byToken('extra', east, 't'), surprise: 1 }, 400, 'property surprise should not exist'],
      [byToken('east', east, 't'), 409, 'cluster "east" already exists'],
    ];
    for (const [body, status, message] of cases) {
      const res = await admin.post('/api/v1/clusters', body);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect([res.body.message].flat().join('; ')).toContain(message);
    }
    const exec = kubeconfigYaml(east, 'unused').replace(/ {4}token: unused/, '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/evil');
    expect(exec).toContain('command: /bin/evil');
    const refused = await admin.post('/api/v1/clusters', { name: 'exec', kubeconfig: exec });
    expect(refused.status).toBe(422);
    expect(refused.body.message).toContain('uses an exec plugin (/bin/evil)');
    // none of the refused clusters was registered, and the existing east kept its token
    const listed = (await admin.get('/api/v1/clusters')).body.map((c: { name: string }) => c.name);
    for (const name of ['bad-ca', 'bad-cert', 'no-auth', 'both', 'extra', 'plain-http', 'exec']) expect(listed).not.toContain(name);
    const rechecked = await admin.post('/api/v1/clusters/east/check');
    expect([rechecked.status, rechecked.body.status.phase]).toEqual([200, 'Connected']);

    const missing = await admin.get('/api/v1/clusters/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('cluster "nope" not found');
    const patchMissing = await admin.patch('/api/v1/clusters/nope', { labels: {} });
    expect(patchMissing.status).toBe(404);
    expect(patchMissing.body.message).toBe('cluster "nope" not found');
    const rename = await admin.patch('/api/v1/clusters/east', { name: 'other' });
    expect(rename.status).toBe(400);
    expect([rename.body.message].flat().join()).toContain('name cannot be changed');
  });

  it('stops managing a deleted cluster and audits every change with the credentials redacted', async () => {
    const created = await admin.post('/api/v1/clusters', byToken('short-lived', east, east.adminToken));
    expect(created.status).toBe(201);
    expect((await admin.patch('/api/v1/clusters/short-lived', { auth: { type: 'bearerToken', token: 'flotilla-canary-audited-3456' } })).status).toBe(200);
    const deleted = await admin.delete('/api/v1/clusters/short-lived');
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    const gone = await admin.get('/api/v1/clusters/short-lived');
    expect(gone.status).toBe(404);
    expect(gone.body.message).toBe('cluster "short-lived" not found');
    expect((await admin.delete('/api/v1/clusters/short-lived')).status).toBe(404);

    const audit = await admin.get('/api/v1/audit?limit=500');
    const of = (action: string) =>
      audit.body.items
        .filter((e: { action: string; subject: string }) => e.action === action && e.subject === 'short-lived')
        .map((e: { outcome: string; details: { body?: { auth?: unknown } } }) => [e.outcome, e.details.body?.auth]);
    expect(of('clusters.create')).toEqual([['success', { type: 'bearerToken', token: '[redacted]' }]]);
    expect(of('clusters.update')).toEqual([['success', { type: 'bearerToken', token: '[redacted]' }]]);
    expect(of('clusters.delete')).toEqual([
      ['failure', undefined],
      ['success', undefined],
    ]);
  });
});

describe('periodic checks', () => {
  let bed: TestBed;
  let running: RunningApp;
  beforeAll(async () => {
    bed = await TestBed.start({ names: ['flaky'] });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_CLUSTERS__CHECK_INTERVAL_SECONDS: '1', FLOTILLA_CLUSTERS__CHECK_TIMEOUT_SECONDS: '2' });
  });
  afterAll(async () => {
    await running?.close();
    await bed?.stop();
  });

  it('sees a stopped cluster go Unreachable and come back Connected by itself after a restart', async () => {
    const admin = apiClient(running.baseUrl, ADMIN);
    const flaky = bed.get('flaky');
    expect((await admin.post('/api/v1/clusters', byToken('flaky', flaky, flaky.adminToken))).body.status.phase).toBe('Connected');
    await bed.stopCluster('flaky');
    const down = await eventually(
      'cluster flaky after stop',
      () => admin.get('/api/v1/clusters/flaky'),
      (r) => r.body.status.phase === 'Unreachable',
    );
    expect(down.body.status.message).toContain('unreachable');
    await bed.restartCluster('flaky');
    const up = await eventually(
      'cluster flaky after restart',
      () => admin.get('/api/v1/clusters/flaky'),
      (r) => r.body.status.phase === 'Connected',
      60_000,
    );
    expect(up.body.status.kubernetesVersion).toBe('v1.34.4');
  });
});
