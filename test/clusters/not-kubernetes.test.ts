// A cluster check believes only what looks like a Kubernetes API server. Whatever answers at a
// cluster's address — a login page, a redirect, an internal service's JSON — is reported as
// Error with a fixed message naming the HTTP status and content type, never as Connected, never
// with a JavaScript error, and never repeating the body: `status.message` is read by viewers,
// and the address may point at a service they must not read. Real HTTPS servers on loopback,
// with a CA of their own, play those services.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { createCertificateAuthority, issueCertificate, toBase64 } from '../testbed/pki';

const ADMIN = 'not-kubernetes-admin-token-0123456789';
const MARKER = `flotilla-marker-${randomBytes(8).toString('hex')}`;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const send =
  (status: number, type: string, body: string, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': type, ...headers });
    res.end(body);
  };

/** A real version document, as kube-apiserver answers /version. */
const VERSION = JSON.stringify({ major: '1', minor: '34', gitVersion: 'v1.34.4', platform: 'linux/amd64' });

/** Answers /version as Kubernetes does and everything else with `rest`. */
const versionThen =
  (rest: Handler): Handler =>
  (req, res) =>
    req.url === '/version' ? send(200, 'application/json', VERSION)(req, res) : rest(req, res);

describe('a cluster check against something that is not Kubernetes', () => {
  let running: RunningApp;
  let admin: ApiClient;
  let pkiDir: string;
  let caData: string;
  let tls: { cert: string; key: string };
  const servers: Server[] = [];
  const responses: string[] = [];

  beforeAll(async () => {
    pkiDir = mkdtempSync(join(tmpdir(), 'flotilla-not-kubernetes-'));
    const ca = createCertificateAuthority(pkiDir, 'ca');
    const serving = issueCertificate(pkiDir, ca, 'server', { commonName: 'not-kubernetes', ipAddresses: ['127.0.0.1'] });
    tls = { cert: serving.certPem, key: serving.keyPem };
    caData = toBase64(readFileSync(ca.cert, 'utf8'));
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_CLUSTERS__CHECK_TIMEOUT_SECONDS: '5' });
    admin = apiClient(running.baseUrl, ADMIN);
  });
  afterAll(async () => {
    await running?.close();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(pkiDir, { recursive: true, force: true });
  });

  /** Serves `handler` over HTTPS on loopback and registers a cluster there; returns its status. */
  async function registerAt(name: string, handler: Handler) {
    const server = createServer(tls, handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    const res = await admin.post('/api/v1/clusters', { name, server: url, tls: { caData }, auth: { type: 'bearerToken', token: 'some-token' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    responses.push(JSON.stringify(res.body));
    const checked = await admin.post(`/api/v1/clusters/${name}/check`);
    responses.push(JSON.stringify(checked.body));
    expect(checked.body.status).toEqual({ ...res.body.status, lastCheckedAt: expect.any(String) });
    return { url, status: res.body.status as { phase: string; kubernetesVersion: string | null; message: string } };
  }

  it.each([
    [
      'an HTML page answering 200',
      'html-200',
      send(200, 'text/html; charset=utf-8', `<html><body>Welcome ${MARKER}</body></html>`),
      'GET /version with HTTP 200 (text/html), not a Kubernetes version document',
    ],
    [
      'a redirect to a login page',
      'redirect-302',
      send(302, 'text/html', `<a href="/login">${MARKER}</a>`, { location: `/login?next=${MARKER}` }),
      'GET /version with HTTP 302 (text/html), not a Kubernetes API answer',
    ],
    ['an empty redirect', 'redirect-empty', send(302, 'text/plain', '', { location: '/login' }), 'GET /version with HTTP 302 (text/plain), not a Kubernetes API answer'],
    [
      'another service’s JSON answering 200',
      'json-200',
      send(200, 'application/json', JSON.stringify({ status: 'ok', message: MARKER, gitVersion: MARKER })),
      'GET /version with HTTP 200 (application/json), not a Kubernetes version document',
    ],
    [
      'JSON that is not valid, with a JSON content type',
      'bad-json',
      send(200, 'application/json', `{"gitVersion": "${MARKER}"`),
      'GET /version with HTTP 200 (application/json), not a Kubernetes version document',
    ],
  ])('reports %s as Error naming only status and content type', async (_, name, handler, expected) => {
    const { url, status } = await registerAt(name, handler);
    expect(status).toEqual({
      phase: 'Error',
      kubernetesVersion: null,
      message: `not a Kubernetes API server: ${url} answered ${expected}; check the server address`,
      lastCheckedAt: expect.any(String),
    });
  });

  it.each([
    [
      'a JSON error body that is not a Status',
      'json-500',
      send(500, 'application/json', JSON.stringify({ message: MARKER, error: MARKER })),
      'get version at cluster scope: HTTP 500 (application/json) that is not a Kubernetes Status',
    ],
    ['a plain-text 404', 'text-404', send(404, 'text/plain', `no such page: ${MARKER}`), 'get version at cluster scope: HTTP 404 (text/plain) that is not a Kubernetes Status'],
    [
      'a header that is not a media type',
      'odd-type',
      send(503, `${MARKER} <b>`, MARKER),
      'get version at cluster scope: HTTP 503 (an unrecognised content type) that is not a Kubernetes Status',
    ],
  ])('never repeats %s', async (_, name, handler, expected) => {
    const { status } = await registerAt(name, handler);
    expect(status).toMatchObject({ phase: 'Error', kubernetesVersion: null, message: `unexpected answer from the API server: ${expected}` });
  });

  it('checks the namespace list too: a real version but HTML after it is Error, with the version', async () => {
    const { url, status } = await registerAt('html-namespaces', versionThen(send(200, 'text/html', `<html>${MARKER}</html>`)));
    expect(status).toMatchObject({
      phase: 'Error',
      kubernetesVersion: 'v1.34.4',
      message: `not a Kubernetes API server: ${url} answered a namespace list with HTTP 200 (text/html), not a Kubernetes NamespaceList; check the server address`,
    });
  });

  it('still shows what a Kubernetes Status says, and is Connected when the server answers as Kubernetes does', async () => {
    const forbidden = JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'namespaces is forbidden: User "x" cannot list resource "namespaces"',
      reason: 'Forbidden',
      code: 403,
    });
    const refused = await registerAt('status-403', versionThen(send(403, 'application/json', forbidden)));
    expect(refused.status.phase).toBe('Error');
    expect(refused.status.message).toContain('may not list namespaces (403)');
    expect(refused.status.message).toContain('User "x" cannot list resource "namespaces"');
    const list = JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [] });
    const good = await registerAt('lookalike', versionThen(send(200, 'application/json', list)));
    expect(good.status).toMatchObject({ phase: 'Connected', kubernetesVersion: 'v1.34.4', message: 'connected to Kubernetes v1.34.4' });
  });

  it('puts no body it was sent in any answer or log line', async () => {
    const listed = await admin.get('/api/v1/clusters');
    responses.push(JSON.stringify(listed.body));
    // the sweep reads what it sweeps: every cluster above is in the answers
    expect(listed.body.length).toBe(11);
    expect(responses.join('\n')).toContain('html-200');
    expect(responses.join('\n')).not.toContain(MARKER);
    expect(running.logs.join('\n')).toContain('cluster html-200 is Error');
    expect(running.logs.join('\n')).not.toContain(MARKER);
    expect(responses.join('\n')).not.toMatch(/TypeError|Cannot read|undefined/);
  });
});
