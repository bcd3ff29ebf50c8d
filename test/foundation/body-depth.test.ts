// How deeply a request body may nest. class-transformer and class-validator recurse once per
// level and ran out of stack at about 1,300 levels: a 500 ("Maximum call stack size exceeded")
// for something a client sent. Bodies nested past the limit are refused with a 400 naming it,
// before anything transforms them; everything up to the limit goes on to normal validation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_DEPTH } from '../../src/common/http/body-guards';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';

const ADMIN = 'body-depth-admin-token-0123456789abcdef';

/** A JSON object nested `depth` levels deep (the body itself is level 1), as text. */
function nestedObject(depth: number, key = 'labels'): string {
  return `{"name":"deep",${`"${key}":{`.repeat(depth - 1)}"x":"y"${'}'.repeat(depth - 1)}}`;
}

/** `{"name":"deep","labels":[[[…]]]}`: arrays nest the same way. */
function nestedArray(depth: number): string {
  return `{"name":"deep","labels":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
}

describe('request bodies nested too deeply', () => {
  let running: RunningApp;
  let admin: ApiClient;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN });
    admin = apiClient(running.baseUrl, ADMIN);
  });
  afterAll(() => running?.close());

  const refusal = `request body nests objects and arrays deeper than ${MAX_BODY_DEPTH} levels`;

  it.each([
    ['objects, 1,300 levels', nestedObject(1300)],
    ['arrays, 1,300 levels', nestedArray(1300)],
    ['objects, 100,000 levels', nestedObject(100_000, 'a')],
    ['one level past the limit', nestedObject(MAX_BODY_DEPTH + 1)],
  ])('are refused with 400 naming the limit: %s', async (_, body) => {
    for (const path of ['/api/v1/clusters', '/api/v1/repositories', '/api/v1/tokens']) {
      const res = await admin.call('POST', path, body);
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: refusal });
    }
  });

  it('up to the limit go on to validation, which names the field', async () => {
    expect(MAX_BODY_DEPTH).toBe(64);
    const res = await admin.call('POST', '/api/v1/clusters', nestedObject(MAX_BODY_DEPTH));
    expect(res.status).toBe(400);
    expect([res.body.message].flat().join('; ')).toContain('labels');
    expect(res.body.message).not.toBe(refusal);
  });

  it('never reach a handler: nothing is registered or audited, and nothing failed inside', async () => {
    const audited = async () => (await admin.get('/api/v1/audit?action=clusters.create')).body.items.length;
    const before = await audited();
    expect((await admin.call('POST', '/api/v1/clusters', nestedObject(1300))).status).toBe(400);
    expect(await audited()).toBe(before);
    expect((await admin.get('/api/v1/clusters')).body).toEqual([]);
    expect(running.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});
