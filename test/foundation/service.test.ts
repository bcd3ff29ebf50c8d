import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/database/database';
import { RunningApp, startApp } from '../support/app';

describe('the service', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp();
  });
  afterAll(() => running.close());

  it('creates its SQLite file in the data directory', () => {
    const file = join(running.dataDir, 'flotilla.sqlite');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
  });

  it('answers /healthz with 200', async () => {
    const res = await fetch(`${running.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 when the database and scheduler are up', async () => {
    const res = await fetch(`${running.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    // renderers: reported, not a check (test/rendering/npm-start.test.ts)
    expect(await res.json()).toEqual({ status: 'ok', checks: { database: true, scheduler: true }, renderers: { kustomize: expect.any(Object), helm: expect.any(Object) } });
  });

  it('serves Prometheus text with process metrics and request counts on /metrics', async () => {
    await fetch(`${running.baseUrl}/healthz`);
    const res = await fetch(`${running.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE flotilla_process_cpu_user_seconds_total counter$/m);
    expect(text).toMatch(/^flotilla_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+$/m);
  });

  it('serves the OpenAPI document and UI at /api/docs', async () => {
    const doc = await fetch(`${running.baseUrl}/api/docs/openapi.json`);
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toMatch(/^3\./);
    const ui = await fetch(`${running.baseUrl}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
  });

  it('logs one JSON line per request carrying the request id it echoes', async () => {
    const res = await fetch(`${running.baseUrl}/api/v1/missing`, { headers: { 'x-request-id': 'req-test-42' } });
    expect(res.headers.get('x-request-id')).toBe('req-test-42');
    const generated = (await fetch(`${running.baseUrl}/readyz`)).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const lines = running.logs.map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.requestId === 'req-test-42')).toEqual([
      expect.objectContaining({ msg: 'request', method: 'GET', path: '/api/v1/missing', status: 404, level: 'info' }),
    ]);
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await fetch(`${running.baseUrl}/api/v1/no-such-thing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});

describe('readiness when a check fails', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_LOG_LEVEL: 'warn' });
  });
  afterAll(() => running.close());

  it('answers /readyz with 503 and the same body, naming the check that failed', async () => {
    // the database really goes away (its connection closed), as when the file system fails
    await running.app.get(Database).dataSource.destroy();
    const res = await fetch(`${running.baseUrl}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'unavailable',
      checks: { database: false, scheduler: true },
      renderers: { kustomize: expect.any(Object), helm: expect.any(Object) },
    });
    // liveness is another question: the process still answers
    expect((await fetch(`${running.baseUrl}/healthz`)).status).toBe(200);
  });
});
