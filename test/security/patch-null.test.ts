// Issue 27: `PATCH /api/v1/repositories/:name {"branch": null}` answered 500 (SQLite's NOT NULL
// constraint) and the error log held the statement's parameters, the sealed webhook secret
// among them. Here every property of every PATCH route's request schema, nested ones too, is
// sent as null: 400 naming it unless the document says nullable (then 200), never 5xx, nothing
// stored on a 400. Undeclared fields answer 400 as on POST. The routes and properties come from
// the served OpenAPI document, so a new route or field is covered without touching this file;
// a new route needs only a resource to change (RESOURCES).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { freePort } from '../support/ports';

const ADMIN = 'patch-null-test-admin-token-0123456789abcdef';
const WEBHOOK_SECRET = 'patch-null-webhook-secret-0123456789';
/** a value sealed by the service's SecretBox: v1:<key id>:<nonce>:<ciphertext> */
const SEALED = /v1:[0-9a-f]{8}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+/;

type Schema = Record<string, any>;
type Segment = string | number;

/** The resource each PATCH route's collection changes here; channels: slack settings go to a Slack channel. */
const RESOURCES: Record<string, (top: string) => string> = {
  clusters: () => 'pn-east',
  repositories: () => 'pn-repo',
  applications: () => 'pn-app',
  channels: (top) => (top === 'slack' ? 'pn-slack' : 'pn-hook'),
};

/**
 * A valid value of a property, for the properties whose nested fields are sent as null and where
 * one of those is nullable (so the rest of the value must be acceptable for a 200). Elsewhere
 * an empty object (or a list of one) holds the null: those answers are 400 whatever else is wrong.
 */
const SEEDS: Record<string, unknown> = {
  'applications.rollout': { waves: [{ name: 'pn-wave', clusters: ['pn-east'] }] },
  'applications.syncPolicy': { automated: false },
  'repositories.auth': { type: 'basic', username: 'pn-user', password: 'pn-password' },
};

describe('PATCH with null and with undeclared fields', () => {
  let running: RunningApp;
  let api: ApiClient;
  let doc: Schema;
  /** every PATCH route and the schema of its body */
  let routes: { path: string; collection: string; schema: Schema }[];
  const statuses: number[] = [];

  const resolve = (schema: Schema | undefined): Schema | undefined => {
    if (!schema) return undefined;
    const ref = (schema.$ref ?? schema.allOf?.[0]?.$ref) as string | undefined;
    return ref ? (doc.components.schemas[ref.replace('#/components/schemas/', '')] as Schema) : schema;
  };

  /** Every property path of an object schema, nested objects and array items (index 0) included. */
  const propertyPaths = (schema: Schema | undefined, at: Segment[] = [], depth = 0): { path: Segment[]; property: Schema }[] => {
    const object = resolve(schema);
    if (!object?.properties || depth > 5) return [];
    return Object.entries(object.properties as Record<string, Schema>).flatMap(([name, property]) => {
      const path = [...at, name];
      const items = property.type === 'array' ? resolve(property.items as Schema) : undefined;
      const nested = items?.properties ? propertyPaths(items, [...path, 0], depth + 1) : propertyPaths(property, path, depth + 1);
      return [{ path, property }, ...nested];
    });
  };

  /** `{a: {b: [{c: value}]}}` for path a.b.0.c, starting from the seed of `a`. */
  const bodyWith = (collection: string, path: Segment[], value: unknown): Record<string, unknown> => {
    const body: Record<string, unknown> = {};
    const top = path[0] as string;
    if (path.length > 1 && SEEDS[`${collection}.${top}`] !== undefined) body[top] = structuredClone(SEEDS[`${collection}.${top}`]);
    let node: any = body;
    for (const [i, segment] of path.entries()) {
      if (i === path.length - 1) node[segment] = value;
      else node = node[segment] ??= typeof path[i + 1] === 'number' ? [] : {};
    }
    return body;
  };

  const resourcePath = (path: string, name: string) => path.replace(/\{name\}/, name);
  const send = async (method: string, path: string, body: unknown) => {
    const res = await api.call(method, path, body);
    statuses.push(res.status);
    return res;
  };
  /** The definition as GET shows it; status (fetches, checks) changes on its own. */
  const definition = async (path: string) => {
    const res = await api.get(path);
    expect(res.status, path).toBe(200);
    const { status: _status, ...rest } = res.body as Record<string, unknown>;
    return rest;
  };

  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true', FLOTILLA_CLUSTERS__CHECK_TIMEOUT_SECONDS: '1' });
    api = apiClient(running.baseUrl, ADMIN);
    doc = (await api.get('/api/docs/openapi.json')).body as Schema;
    routes = Object.entries(doc.paths as Record<string, Schema>)
      .filter(([, ops]) => ops.patch)
      .map(([path, ops]) => ({ path, collection: path.split('/')[3], schema: resolve(ops.patch.requestBody.content['application/json'].schema as Schema)! }));
    expect(routes.map((r) => r.path).sort()).toEqual(
      expect.arrayContaining(['/api/v1/applications/{name}', '/api/v1/channels/{name}', '/api/v1/clusters/{name}', '/api/v1/repositories/{name}']),
    );

    // one of each resource, on nothing that answers: nothing here needs a cluster or a remote to work
    const dead = await freePort();
    const created = await Promise.all([
      send('POST', '/api/v1/clusters', {
        name: 'pn-east',
        server: `https://127.0.0.1:${dead}`,
        labels: { env: 'pn' },
        auth: { type: 'bearerToken', token: 'patch-null-cluster-token' },
      }),
      send('POST', '/api/v1/repositories', {
        name: 'pn-repo',
        url: `http://127.0.0.1:${dead}/pn.git`,
        pollIntervalSeconds: 3600,
        webhookSecret: WEBHOOK_SECRET,
        auth: { type: 'basic', username: 'pn-user', password: 'pn-password' },
      }),
      send('POST', '/api/v1/channels', { name: 'pn-hook', type: 'webhook', webhook: { url: 'https://hooks.example.test/pn', secret: 'patch-null-channel-secret-0123' } }),
      send('POST', '/api/v1/channels', { name: 'pn-slack', type: 'slack', slack: { token: 'xoxb-patch-null-token', channel: '#pn' } }),
    ]);
    for (const res of created) expect(res.status, JSON.stringify(res.body)).toBe(201);
    const app = await send('POST', '/api/v1/applications', {
      name: 'pn-app',
      repository: 'pn-repo',
      path: 'app',
      destinations: [{ cluster: 'pn-east', namespace: 'pn' }],
      syncPolicy: { automated: false },
    });
    expect(app.status, JSON.stringify(app.body)).toBe(201);
  });
  afterAll(() => running?.close());

  it('answers null in a property 400 naming it, unless the document says nullable (200); never 5xx, and a 400 stores nothing', async () => {
    const problems: string[] = [];
    let nullable = 0;
    let refused = 0;
    for (const route of routes) {
      const paths = propertyPaths(route.schema);
      expect(paths.length, route.path).toBeGreaterThan(0);
      const resource = RESOURCES[route.collection];
      expect(resource, `${route.path}: no resource to change; add one to RESOURCES`).toBeDefined();
      for (const { path, property } of paths) {
        const target = resourcePath(route.path, resource(path[0] as string));
        const field = path.join('.');
        const body = bodyWith(route.collection, path, null);
        const before = await definition(target);
        const res = await send('PATCH', target, body);
        const said = `PATCH ${target} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`;
        if (property.nullable) {
          nullable++;
          if (res.status !== 200) problems.push(`${said}: ${field} is documented nullable`);
          continue;
        }
        refused++;
        if (res.status !== 400) problems.push(`${said}: expected 400`);
        else if (!(res.body.message as string[]).includes(`${field} must not be null`)) problems.push(`${said}: does not name ${field}`);
        else if (JSON.stringify(await definition(target)) !== JSON.stringify(before)) problems.push(`${said}: changed the stored ${target}`);
      }
    }
    expect(problems).toEqual([]);
    // the nullable ones: repository auth and webhookSecret; application revision, helm, rollout,
    // rollout.orderBy and a wave's maxParallel; a webhook channel's secret
    expect(nullable).toBeGreaterThanOrEqual(8);
    expect(refused).toBeGreaterThan(60);
  });

  it('answers undeclared fields 400 as POST does, at the top, nested, and named like Object.prototype members', async () => {
    const problems: string[] = [];
    const expectRefused = async (method: string, path: string, body: string, message: string) => {
      const res = await send(method, path, body);
      if (res.status !== 400 || !(res.body.message as string[]).includes(message))
        problems.push(`${method} ${path} ${body} → ${res.status} ${JSON.stringify(res.body)}: expected 400 saying "${message}"`);
    };
    const NAMES = ['bogus', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];
    for (const route of routes) {
      const collection = route.path.replace(/\/\{name\}$/, '');
      const resource = RESOURCES[route.collection];
      expect(resource, `${route.path}: no resource to change; add one to RESOURCES`).toBeDefined();
      const targets = [...new Set(Object.keys(route.schema.properties as Schema).map((top) => resourcePath(route.path, resource(top))))];
      const before = await Promise.all(targets.map(definition));
      for (const name of NAMES) {
        // raw text: JSON.stringify of an object literal would not keep a __proto__ key
        const body = `{${JSON.stringify(name)}: {"polluted": true}}`;
        await expectRefused('PATCH', targets[0], body, `property ${name} should not exist`);
        if ((doc.paths as Schema)[collection]?.post) await expectRefused('POST', collection, body, `property ${name} should not exist`);
      }
      // inside every object the schema nests, and every item of a list of objects
      for (const { path, property } of propertyPaths(route.schema)) {
        const object = resolve(property.type === 'array' ? (property.items as Schema) : property);
        if (!object?.properties) continue;
        const at = property.type === 'array' ? [...path, 0] : path;
        for (const name of NAMES) {
          const body = JSON.stringify(bodyWith(route.collection, [...at, '__marker__'], 1)).replace('"__marker__"', JSON.stringify(name));
          await expectRefused('PATCH', resourcePath(route.path, resource(path[0] as string)), body, `${at.join('.')}.property ${name} should not exist`);
        }
      }
      expect(await Promise.all(targets.map(definition)), `${targets.join(', ')} changed`).toEqual(before);
    }
    expect(problems).toEqual([]);
  });

  it("answers the issue's request 400 naming branch, and keeps the repository as it was", async () => {
    const before = await definition('/api/v1/repositories/pn-repo');
    // with a new secret beside the null, the UPDATE that failed carried the sealed secret
    const res = await send('PATCH', '/api/v1/repositories/pn-repo', { branch: null, webhookSecret: 'patch-null-new-webhook-secret-0123' });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.message).toEqual(['branch must not be null']);
    expect(await definition('/api/v1/repositories/pn-repo')).toEqual(before);
  });

  it('never logged SQL parameters or a sealed secret, logged no internal error, and answered no request 5xx', async () => {
    const logs = running.logs.join('\n');
    expect(running.logs.length).toBeGreaterThan(100);
    expect(logs).not.toContain('"parameters"');
    expect(logs).not.toMatch(SEALED);
    expect(logs).not.toContain('QueryFailedError');
    expect(logs).not.toContain(WEBHOOK_SECRET);
    expect(running.logs.filter((l) => l.includes('"errorId"'))).toEqual([]);
    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect((await api.get('/healthz')).status).toBe(200);
  });
});
