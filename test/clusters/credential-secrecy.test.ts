// The secrecy sweep: every cluster credential, on every path that handles one, is looked for in
// the database file, its WAL, the logs and every response, and in the file again at rest. Each
// place is first shown to hold what is stored or said in clear beside the credentials, so an
// empty or wrong capture cannot pass. Every new secret field gets the same sweep.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { freePort } from '../support/ports';
import { issueClientCertificate, kubeconfigYaml } from '../testbed/cluster';
import { ApiClient, ApiResponse, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { databaseAtRest, holding, leaks, liveSources } from '../support/secrecy-sweep';

const [east, west] = inject('clusters');
const ADMIN = 'credential-secrecy-admin-token-0123456789';

const byToken = (name: string, c: { server: string; caData: string }, token: string) => ({
  name,
  server: c.server,
  tls: { caData: c.caData },
  auth: { type: 'bearerToken', token },
});

/** A kubeconfig whose user authenticates with a client certificate and key. */
const kubeconfigWithCertificate = (c: Parameters<typeof kubeconfigYaml>[0], cert: { certData: string; keyData: string }) =>
  kubeconfigYaml(c, 'unused').replace('    token: unused', `    client-certificate-data: ${cert.certData}\n    client-key-data: ${cert.keyData}`);

describe('cluster credentials', () => {
  let running: RunningApp;
  let admin: ApiClient;
  let closed = false;
  beforeAll(async () => {
    running = await startApp(
      { FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_LOG_LEVEL: 'debug', FLOTILLA_CLUSTERS__CHECK_INTERVAL_SECONDS: '1', FLOTILLA_CLUSTERS__CHECK_TIMEOUT_SECONDS: '2' },
      { keepDataDir: true },
    );
    admin = apiClient(running.baseUrl, ADMIN);
  });
  afterAll(async () => {
    if (running && !closed) await running.close();
    if (running) rmSync(running.dataDir, { recursive: true, force: true });
  });

  it('never appear in the database file, its WAL, the logs, the audit log or any response, on every path that handles one', async () => {
    const responses: string[] = [];
    const call = async (p: Promise<ApiResponse>) => {
      const r = await p;
      if (r.body !== undefined) responses.push(JSON.stringify(r.body));
      return r;
    };
    const canary = (what: string) => `flotilla-canary-${what}-${randomBytes(12).toString('hex')}`;
    const wrongToken = canary('wrong');
    const rotatedAway = canary('rotated-away');
    const refusedToken = canary('refused');
    const unreachableToken = canary('unreachable');
    const cert = issueClientCertificate(east, 'secrecy-cert-user', ['system:masters']);
    const kubeconfigCert = issueClientCertificate(west, 'secrecy-kubeconfig-user', ['system:masters']);

    // every way a credential comes in, and every way one is checked, refused, rotated and dropped
    const created = [
      await call(admin.post('/api/v1/clusters', byToken('secrecy-token', east, east.adminToken))),
      await call(admin.post('/api/v1/clusters', byToken('secrecy-limited', east, east.limitedToken))),
      await call(admin.post('/api/v1/clusters', byToken('secrecy-wrong', east, wrongToken))),
      await call(admin.post('/api/v1/clusters', byToken('secrecy-unreachable', { server: `https://127.0.0.1:${await freePort()}`, caData: east.caData }, unreachableToken))),
      await call(
        admin.post('/api/v1/clusters', {
          name: 'secrecy-cert',
          server: east.server,
          tls: { caData: east.caData },
          auth: { type: 'clientCertificate', certData: cert.certData, keyData: cert.keyData },
        }),
      ),
      await call(admin.post('/api/v1/clusters', { name: 'secrecy-kubeconfig', kubeconfig: readFileSync(west.kubeconfigPath, 'utf8') })),
      await call(admin.post('/api/v1/clusters', { name: 'secrecy-kubeconfig-cert', kubeconfig: kubeconfigWithCertificate(west, kubeconfigCert) })),
    ];
    expect(created.map((r) => [r.status, r.body.name, r.body.status?.phase])).toEqual([
      [201, 'secrecy-token', 'Connected'],
      [201, 'secrecy-limited', 'Error'],
      [201, 'secrecy-wrong', 'Unauthorized'],
      [201, 'secrecy-unreachable', 'Unreachable'],
      [201, 'secrecy-cert', 'Connected'],
      [201, 'secrecy-kubeconfig', 'Connected'],
      [201, 'secrecy-kubeconfig-cert', 'Connected'],
    ]);
    expect((await call(admin.post('/api/v1/clusters', byToken('Secrecy_Refused', east, refusedToken)))).status).toBe(400);
    expect((await call(admin.patch('/api/v1/clusters/secrecy-token', { auth: { type: 'bearerToken', token: rotatedAway } }))).body.status.phase).toBe('Unauthorized');
    expect((await call(admin.patch('/api/v1/clusters/secrecy-token', { auth: { type: 'bearerToken', token: east.adminToken } }))).body.status.phase).toBe('Connected');
    expect((await call(admin.post('/api/v1/clusters/secrecy-cert/check'))).body.status.phase).toBe('Connected');
    expect((await call(admin.delete('/api/v1/clusters/secrecy-wrong'))).status).toBe(204);
    const kept = ['secrecy-cert', 'secrecy-kubeconfig', 'secrecy-kubeconfig-cert', 'secrecy-limited', 'secrecy-token', 'secrecy-unreachable'];
    expect((await call(admin.get('/api/v1/clusters'))).body.map((c: { name: string }) => c.name)).toEqual(kept);
    for (const name of kept) expect((await call(admin.get(`/api/v1/clusters/${name}`))).status).toBe(200);

    const audit = await call(admin.get('/api/v1/audit?limit=500'));
    const bodyOf = (action: string, subject: string) =>
      audit.body.items.filter((e: { action: string; subject: string }) => e.action === action && e.subject === subject).map((e: { details: { body: unknown } }) => e.details.body);
    expect(bodyOf('clusters.create', 'secrecy-token')).toEqual([expect.objectContaining({ auth: { type: 'bearerToken', token: '[redacted]' } })]);
    expect(bodyOf('clusters.create', 'secrecy-cert')).toEqual([expect.objectContaining({ auth: { type: 'clientCertificate', certData: '[redacted]', keyData: '[redacted]' } })]);
    expect(bodyOf('clusters.create', 'secrecy-kubeconfig-cert')).toEqual([{ name: 'secrecy-kubeconfig-cert', kubeconfig: '[redacted]' }]);
    expect(bodyOf('clusters.create', 'Secrecy_Refused')).toEqual([expect.objectContaining({ auth: { type: 'bearerToken', token: '[redacted]' } })]);
    expect(bodyOf('clusters.update', 'secrecy-token')).toEqual([{ auth: { type: 'bearerToken', token: '[redacted]' } }, { auth: { type: 'bearerToken', token: '[redacted]' } }]);

    // a PEM key can leak decoded, so every full line of its body is a secret of its own
    const pemLines = (base64: string) =>
      Buffer.from(base64, 'base64')
        .toString('utf8')
        .split('\n')
        .filter((l) => l.length === 64);
    expect(pemLines(cert.keyData).length).toBeGreaterThan(0);
    expect(pemLines(kubeconfigCert.keyData).length).toBeGreaterThan(0);
    const secrets: [string, string][] = [
      ['east admin token', east.adminToken],
      ['limited token', east.limitedToken],
      ['wrong token', wrongToken],
      ['rotated-away token', rotatedAway],
      ['token of a refused request', refusedToken],
      ['token for an unreachable server', unreachableToken],
      ['client key', cert.keyData],
      ...pemLines(cert.keyData).map((l, i): [string, string] => [`client key PEM line ${i + 1}`, l]),
      ['kubeconfig token', west.adminToken],
      ['kubeconfig client key', kubeconfigCert.keyData],
      ...pemLines(kubeconfigCert.keyData).map((l, i): [string, string] => [`kubeconfig client key PEM line ${i + 1}`, l]),
    ];

    const live = liveSources(running, responses);
    // the sweep reads real bytes: what is stored or said in clear beside the credentials is found
    // in each place, so a credential stored or said in clear would be found there too
    for (const [where, bytes] of Object.entries(live)) expect(bytes.length, where).toBeGreaterThan(1000);
    const database = Buffer.concat([live['the database file'], live['its WAL']]);
    for (const name of kept) {
      expect(database.includes(name), `${name} in the database`).toBe(true);
      expect(holding(live, `cluster ${name} is `), `${name} in the logs`).toContain('the logs');
      expect(holding(live, `"name":"${name}"`), `${name} in the responses`).toContain('the responses');
    }
    // the CA is base64 of a PEM, like a key, and stored and shown in clear
    expect(database.includes(east.caData)).toBe(true);
    expect(holding(live, east.caData)).toContain('the responses');
    expect(leaks(secrets, live)).toEqual([]);

    // and once closed, with the WAL folded into the file
    await running.close();
    closed = true;
    const atRest = databaseAtRest(running);
    expect(Object.keys(atRest)).toContain('flotilla.sqlite');
    for (const name of kept) expect(holding(atRest, name), name).toContain('flotilla.sqlite');
    expect(leaks(secrets, atRest)).toEqual([]);
  });
});
