import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RunningApp, startApp } from '../support/app';

const ADMIN = 'fuzz-test-admin-token-0123456789abcdef';

/** Random JSON with the shapes that break handlers: wrong types, huge strings, deep nesting. */
const nasty = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.string({ minLength: 5000, maxLength: 20000 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('__proto__', 'constructor', '../../etc/passwd', 'ext::sh -c id', '{{cluster.name}}', '\u0000', 'https://127.0.0.1:9/x.git'),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 6 }),
  ),
})).value;

const knownFields = fc.dictionary(
  fc.constantFrom('name', 'role', 'server', 'url', 'auth', 'labels', 'tls', 'kubeconfig', 'destinations', 'extra', 'constructor', '__proto__'),
  nasty,
  { maxKeys: 6 },
);

const rawBody = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), // invalid UTF-8, binary
  fc.string().map((s) => Buffer.from(s)),
  fc.constantFrom('{', '{"a":', '[]', '"str"', '123', 'null', '{"name":"\ud800"}').map((s) => Buffer.from(s)),
);

/**
 * Tests send traffic to loopback only: a fuzzed repository URL or cluster server that happens to
 * be valid (an scp-like `a:b` is) would make the app fetch from, or probe, some other host.
 */
function loopbackOnly(body: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body };
  if (typeof out.url === 'string') out.url = `http://127.0.0.1:9/${encodeURIComponent(out.url).slice(0, 200)}.git`;
  if (typeof out.server === 'string' && /^https?:/i.test(out.server)) out.server = 'https://127.0.0.1:9';
  return out;
}

describe('fuzzing every POST/PATCH route', () => {
  let running: RunningApp;
  let routes: { method: string; path: string }[];
  beforeAll(async () => {
    running = await startApp({
      FLOTILLA_ADMIN_TOKEN: ADMIN,
      FLOTILLA_LOG_LEVEL: 'error',
      FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true',
      FLOTILLA_CLUSTERS__CHECK_TIMEOUT_SECONDS: '1',
    });
    const doc = (await (await fetch(`${running.baseUrl}/api/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => m === 'post' || m === 'patch')
        .map((m) => ({ method: m.toUpperCase(), path })),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/api/v1/clusters' },
        { method: 'PATCH', path: '/api/v1/clusters/{name}' },
        { method: 'POST', path: '/api/v1/repositories' },
        { method: 'POST', path: '/api/v1/tokens' },
      ]),
    );
  });
  afterAll(() => running.close());

  /** every status each route answered, to show the fuzzed bodies got past authentication */
  const answered = new Map<string, number[]>();
  beforeEach(() => answered.clear());
  const send = async (route: { method: string; path: string }, name: string, body: Buffer | string, contentType: string) => {
    const res = await fetch(`${running.baseUrl}${pathFor(route.path, name)}`, {
      method: route.method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': contentType },
      body,
    });
    await res.arrayBuffer();
    const key = `${route.method} ${route.path}`;
    answered.set(key, [...(answered.get(key) ?? []), res.status]);
    return res.status;
  };
  const pathFor = (template: string, name: string) => template.replace(/\{[^}]+\}/g, encodeURIComponent(name) || 'x');

  /** Still up, nothing logged as an internal error, and the requests reached the handlers. */
  const expectUnharmed = async () => {
    expect((await fetch(`${running.baseUrl}/healthz`)).status).toBe(200);
    expect(running.logs.filter((l) => l.includes('"errorId"'))).toEqual([]);
    const all = [...answered.values()].flat();
    expect(all.length).toBeGreaterThan(100);
    // the admin token is good, so no route but the signature-checked webhook receiver refuses one
    const refused = [...answered].flatMap(([route, statuses]) =>
      route.includes('/webhooks/') ? [] : statuses.filter((s) => s === 401 || s === 403 || s === 429).map((s) => `${route} ${s}`),
    );
    expect(refused).toEqual([]);
    expect(all).toContain(400);
  };

  it('never answers 5xx to random JSON objects, and stays up without logging an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.oneof(knownFields, fc.dictionary(fc.string(), nasty, { maxKeys: 4 })), fc.string({ maxLength: 70 }), async (i, body, name) => {
        const route = routes[i % routes.length];
        const status = await send(route, name, JSON.stringify(loopbackOnly(body)), 'application/json');
        expect(status, `${route.method} ${route.path} ${JSON.stringify(body).slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 250 },
    );
    await expectUnharmed();
  });

  it('never answers 5xx to malformed bodies and wrong content types, and stays up without logging an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        rawBody,
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          'multipart/form-data; boundary=x',
          'application/merge-patch+json',
        ),
        async (i, body, type) => {
          const route = routes[i % routes.length];
          const status = await send(route, 'fuzz', body, type);
          expect(status, `${route.method} ${route.path} ${type}`).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    await expectUnharmed();
  });
});
