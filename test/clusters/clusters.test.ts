import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { freePort } from '../support/ports';
import { issueClientCertificate, kubeconfigYaml, TestBed } from '../testbed/cluster';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';

const [east, west] = inject('clusters');
const ADMIN = 'clusters-test-admin-token-0123456789';

const byToken = (name: string, c: { server: string; caData: string }, token: string, labels: Record<string, string> = {}) => ({
  name, server: c.server, labels, tls: { caData: c.caData }, auth: { type: 'bearerToken', token },
});


describe('the cluster registry', () => {
  let running: RunningApp;
  let admin: ApiClient;
  const responses: string[] = [];
  const record = async <T extends { body: unknown }>(p: Promise<T>) => {
    const r = await p;
    responses.push(JSON.stringify(r.body));
    return r;
  };

  beforeAll(async () => {
    running = await startApp({
      FLOTILLA_ADMIN_TOKEN: ADMIN,
      FLOTILLA_LOG_LEVEL: 'debug',
      FLOTILLA_CLUSTERS__CHECK_INTERVAL_SECONDS: '1',
      FLOTILLA_CLUSTERS__CHECK_TIMEOUT_SECONDS: '2',
    });
    admin = apiClient(running.baseUrl, ADMIN);
  });
  afterAll(() => running.close());

  it('registers clusters by token, client certificate and kubeconfig, all Connected with their version', async () => {
    const cert = issueClientCertificate(east, 'flotilla-cert-user', ['system:masters']);
    const results = await Promise.all([
      record(admin.post('/api/v1/clusters', byToken('east', east, east.adminToken, { env: 'prod', region: 'eu' }))),
      record(admin.post('/api/v1/clusters', byToken('west', west, west.adminToken, { env: 'prod', region: 'us', tier: 'edge' }))),
      record(admin.post('/api/v1/clusters', {
        name: 'east-cert', server: east.server, labels: { env: 'staging' }, tls: { caData: east.caData },
        auth: { type: 'clientCertificate', certData: cert.certData, keyData: cert.keyData },
      })),
      record(admin.post('/api/v1/clusters', { name: 'west-kubeconfig', kubeconfig: readFileSync(west.kubeconfigPath, 'utf8'), context: west.name })),
    ]);
    for (const r of results) {
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.status).toMatchObject({ phase: 'Connected', kubernetesVersion: 'v1.34.4', message: 'connected to Kubernetes v1.34.4' });
      expect(Date.parse(r.body.status.lastCheckedAt)).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(results[0].body.auth).toEqual({ type: 'bearerToken', hasToken: true });
    expect(results[2].body.auth).toEqual({ type: 'clientCertificate', hasClientCertificate: true });
    expect(results[3].body).toMatchObject({ source: 'kubeconfig', context: west.name, server: west.server });
  });

  it('says Unauthorized for a wrong token and Error naming certificate verification for a wrong CA', async () => {
    const wrong = await record(admin.post('/api/v1/clusters', byToken('wrong-token', east, 'flotilla-canary-wrong-token-1234')));
    expect(wrong.status).toBe(201);
    expect(wrong.body.status.phase).toBe('Unauthorized');
    expect(wrong.body.status.message).toContain('rejected the credentials (401)');
    const wrongCa = await record(admin.post('/api/v1/clusters', byToken('wrong-ca', { server: east.server, caData: west.caData }, east.adminToken)));
    expect(wrongCa.body.status.phase).toBe('Error');
    expect(wrongCa.body.status.message).toMatch(/certificate verification failed/);
  });

  it('says Unreachable for a port nothing listens on or one that never answers, and Error for credentials that may not list namespaces', async () => {
    const port = await freePort();
    const dead = await record(admin.post('/api/v1/clusters', byToken('dead', { server: `https://127.0.0.1:${port}`, caData: east.caData }, 'x-token-x')));
    expect(dead.status).toBe(201);
    expect(dead.body.status.phase).toBe('Unreachable');
    expect(dead.body.status.message).toContain('ECONNREFUSED');
    // a listener that accepts and never answers: only the check timeout (2 s here) ends the probe
    const held: Socket[] = [];
    const silent = createServer((sock) => held.push(sock)).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    const silentServer = `https://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const hung = await record(admin.post('/api/v1/clusters', byToken('silent', { server: silentServer, caData: east.caData }, 'x-token-x')));
    held.forEach((sock) => sock.destroy());
    silent.close();
    expect(hung.body.status.phase).toBe('Unreachable');
    expect(hung.body.status.message).toContain('no answer within 2 s');
    expect((await admin.delete('/api/v1/clusters/silent')).status).toBe(204);
    const limited = await record(admin.post('/api/v1/clusters', byToken('limited', east, east.limitedToken)));
    expect(limited.body.status.phase).toBe('Error');
    expect(limited.body.status.message).toContain('may not list namespaces (403)');
  });

  it('takes a rotated token into use on the next call, both ways', async () => {
    const broken = await record(admin.patch('/api/v1/clusters/wrong-token', { auth: { type: 'bearerToken', token: east.adminToken } }));
    expect(broken.status).toBe(200);
    expect(broken.body.status.phase).toBe('Connected');
    const revoked = await record(admin.patch('/api/v1/clusters/wrong-token', { auth: { type: 'bearerToken', token: 'flotilla-canary-rotated-away-5678' } }));
    expect(revoked.body.status.phase).toBe('Unauthorized');
    const checked = await record(admin.post('/api/v1/clusters/wrong-token/check'));
    expect(checked.status).toBe(200);
    expect(checked.body.status.phase).toBe('Unauthorized');
  });

  it('selects clusters by label selector and explains a bad selector', async () => {
    const names = async (selector: string) => (await admin.get(`/api/v1/clusters?selector=${encodeURIComponent(selector)}`)).body.map((c: { name: string }) => c.name);
    expect(await names('env=prod')).toEqual(['east', 'west']);
    expect(await names('env=prod,tier!=edge')).toEqual(['east']);
    expect(await names('env in (prod, staging),!tier')).toEqual(['east', 'east-cert']);
    expect(await names('region notin (eu),env')).toEqual(['east-cert', 'west']);
    const bad = await admin.get(`/api/v1/clusters?selector=${encodeURIComponent('env in (prod')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('unbalanced "("');
    expect((await admin.patch('/api/v1/clusters/west', { labels: { env: 'dev' } })).body.labels).toEqual({ env: 'dev' });
    expect(await names('env=prod')).toEqual(['east']);
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
    const exec = kubeconfigYaml(east, 'unused').replace(/    token: unused/, '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/evil');
    const refused = await admin.post('/api/v1/clusters', { name: 'exec', kubeconfig: exec });
    expect(refused.status).toBe(422);
    expect(refused.body.message).toContain('uses an exec plugin (/bin/evil)');
    expect((await admin.get('/api/v1/clusters/nope')).status).toBe(404);
    expect((await admin.patch('/api/v1/clusters/nope', { labels: {} })).status).toBe(404);
    expect([(await admin.patch('/api/v1/clusters/east', { name: 'other' })).body.message].flat().join()).toContain('name cannot be changed');
  });

  it('audits every change with the credentials redacted, and keeps secrets out of the file, logs and responses', async () => {
    expect((await admin.delete('/api/v1/clusters/dead')).status).toBe(204);
    expect((await admin.get('/api/v1/clusters/dead')).status).toBe(404);
    const audit = await admin.get('/api/v1/audit?limit=500');
    const entry = audit.body.items.find((e: { action: string; subject: string }) => e.action === 'clusters.create' && e.subject === 'east');
    expect(entry.details.body.auth).toEqual({ type: 'bearerToken', token: '[redacted]' });
    expect(audit.body.items.some((e: { action: string }) => e.action === 'clusters.update')).toBe(true);
    expect(audit.body.items.some((e: { action: string }) => e.action === 'clusters.delete')).toBe(true);
    responses.push(JSON.stringify(audit.body), JSON.stringify((await admin.get('/api/v1/clusters')).body));

    const cert = issueClientCertificate(east, 'probe-user', ['system:masters']);
    await record(admin.post('/api/v1/clusters', {
      name: 'cert-secrecy', server: east.server, tls: { caData: east.caData }, auth: { type: 'clientCertificate', certData: cert.certData, keyData: cert.keyData },
    }));
    const keyPem = Buffer.from(cert.keyData, 'base64').toString('utf8');
    const keyBody = keyPem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    const secrets = [east.adminToken, west.adminToken, east.limitedToken, 'flotilla-canary-wrong-token-1234', 'flotilla-canary-rotated-away-5678', cert.keyData, keyBody.slice(0, 40)];
    const db = Buffer.concat(['flotilla.sqlite', 'flotilla.sqlite-wal'].map((f) => {
      try { return readFileSync(`${running.dataDir}/${f}`); } catch { return Buffer.alloc(0); }
    }));
    const logs = running.logs.join('\n');
    const answered = responses.join('\n');
    for (const s of secrets) {
      expect(db.includes(Buffer.from(s)), `database holds ${s.slice(0, 12)}…`).toBe(false);
      expect(logs.includes(s), `logs hold ${s.slice(0, 12)}…`).toBe(false);
      expect(answered.includes(s), `a response holds ${s.slice(0, 12)}…`).toBe(false);
    }
    expect(logs).toContain('cluster');
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
    const down = await eventually('cluster flaky after stop', () => admin.get('/api/v1/clusters/flaky'), (r) => r.body.status.phase === 'Unreachable');
    expect(down.body.status.message).toContain('unreachable');
    await bed.restartCluster('flaky');
    const up = await eventually('cluster flaky after restart', () => admin.get('/api/v1/clusters/flaky'), (r) => r.body.status.phase === 'Connected', 60_000);
    expect(up.body.status.kubernetesVersion).toBe('v1.34.4');
  });
});
