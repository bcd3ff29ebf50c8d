import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { DNS_LABEL } from '../../src/common/validation';
import { buildOpenApiDocument } from '../../src/openapi';
import { ApiResponse, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer } from '../support/git-server';
import { freePort } from '../support/ports';

const ADMIN = 'openapi-test-admin-token-0123456789abcdef';
const COMMITTED = join(__dirname, '..', '..', 'openapi.json');
const STALE = 'openapi.json is stale: run npm run openapi and commit the result';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  op: Schema;
}

function operationsOf(doc: OpenAPIObject): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Schema)[m]).map((method) => ({ method, path, op: (item as Schema)[method] as Schema })),
  );
}

/** `#/components/schemas/X` → the object it names, or undefined. */
function pointer(doc: OpenAPIObject, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Schema)[key] : undefined), doc);
}

function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [v] : refsIn(v)));
}

/**
 * Problems of `value` against an OpenAPI 3.0 schema, strict in one way JSON Schema is not: a
 * property the schema does not declare is a problem, so a field added to a view function but not
 * to its view class (or leaking from an entity) shows up here.
 */
function problemsOf(doc: OpenAPIObject, schema: Schema, value: unknown, at = '$'): string[] {
  if (schema.$ref) return problemsOf(doc, pointer(doc, schema.$ref) as Schema, value, at);
  if (value === null) return schema.nullable ? [] : [`${at} is null but not nullable`];
  if (schema.allOf) return (schema.allOf as Schema[]).flatMap((s) => problemsOf(doc, s, value, at));
  if (schema.oneOf) {
    const fits = (schema.oneOf as Schema[]).filter((s) => problemsOf(doc, s, value, at).length === 0).length;
    return fits === 1 ? [] : [`${at} fits ${fits} of the oneOf schemas`];
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) return [`${at} is ${JSON.stringify(value)}, not one of ${JSON.stringify(schema.enum)}`];
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${at} is not a string`];
      if (schema.format === 'date-time' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)) return [`${at} is not a date-time: ${value}`];
      return [];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at} is not an integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${at} is not a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at} is not a boolean`];
    case 'array':
      return Array.isArray(value) ? value.flatMap((v, i) => problemsOf(doc, schema.items as Schema, v, `${at}[${i}]`)) : [`${at} is not an array`];
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at} is not an object`];
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const record = value as Record<string, unknown>;
      const missing = ((schema.required ?? []) as string[]).filter((k) => !(k in record)).map((k) => `${at}.${k} is required but missing`);
      const each = Object.entries(record).flatMap(([k, v]) => {
        if (props[k]) return problemsOf(doc, props[k], v, `${at}.${k}`);
        if (schema.additionalProperties === true) return [];
        if (schema.additionalProperties) return problemsOf(doc, schema.additionalProperties as Schema, v, `${at}.${k}`);
        return [`${at}.${k} is not declared`];
      });
      return [...missing, ...each];
    }
    default:
      return [`${at}: the schema has no type`];
  }
}

/** The schemas request bodies use, by name, with every schema they refer to in turn. */
function requestSchemas(doc: OpenAPIObject): Map<string, Schema> {
  const found = new Map<string, Schema>();
  const visit = (ref: string) => {
    const name = ref.replace('#/components/schemas/', '');
    if (found.has(name)) return;
    const schema = pointer(doc, ref) as Schema;
    found.set(name, schema);
    refsIn(schema).forEach(visit);
  };
  for (const { op } of operationsOf(doc)) refsIn(op.requestBody ?? {}).forEach(visit);
  return found;
}

/**
 * Every class class-validator holds rules for, by name: the request DTOs the document names its
 * schemas after. (The storage keeps them in a private map; no public call lists them.)
 */
function validatedClasses(): Map<string, Function> {
  const byTarget = (getMetadataStorage() as unknown as { validationMetadatas: unknown }).validationMetadatas;
  expect(byTarget, 'class-validator keeps its rules in a Map by class').toBeInstanceOf(Map);
  return new Map([...(byTarget as Map<unknown, unknown>).keys()].filter((t): t is Function => typeof t === 'function').map((t) => [t.name, t]));
}

/** What a property's schema fails to say of the validators on that property. */
function undocumentedRules(doc: OpenAPIObject, schema: Schema | undefined, rules: ValidationMetadata[], required: boolean): string[] {
  const mustBeAbsent = rules.some((r) => r.name === 'equals' && r.constraints?.[0] === undefined);
  if (mustBeAbsent) return schema ? ['is never accepted, but documented'] : [];
  if (!schema) return ['is validated, but not documented'];
  const problems: string[] = [];
  const optional = rules.some((r) => r.type === 'conditionalValidation');
  if (required === optional) problems.push(optional ? 'is optional, but documented as required' : 'is required, but not documented as required');
  // rules with `each` check the items of an array: compare them with the schema's `items`
  const own = rules.filter((r) => !r.each);
  const each = rules.filter((r) => r.each);
  if (each.length || own.some((r) => r.name === 'isArray')) {
    if (schema.type !== 'array') return [...problems, `is an array, documented as ${schema.type}`];
    for (const r of own)
      if (r.name === 'arrayMaxSize' && schema.maxItems !== r.constraints?.[0]) problems.push(`at most ${r.constraints?.[0]} items, documented maxItems ${schema.maxItems}`);
    return [...problems, ...valueRules(doc, schema.items as Schema, each).map((p) => `items ${p}`)];
  }
  return [...problems, ...valueRules(doc, schema, own)];
}

/** What the rules of one value (a property, or each item of an array property) say vs its schema. */
function valueRules(doc: OpenAPIObject, schema: Schema, rules: ValidationMetadata[]): string[] {
  const problems: string[] = [];
  const names = new Set(rules.map((r) => r.name));
  const resolved = (schema.allOf?.[0]?.$ref ? pointer(doc, schema.allOf[0].$ref) : schema.$ref ? pointer(doc, schema.$ref) : schema) as Schema;
  const types: Record<string, string> = { isString: 'string', isInt: 'integer', isBoolean: 'boolean', isObject: 'object' };
  for (const [rule, type] of Object.entries(types)) if (names.has(rule) && resolved.type !== type) problems.push(`must be ${type}, documented as ${resolved.type}`);
  for (const r of rules) {
    const c = r.constraints ?? [];
    if (r.name === 'maxLength' && schema.maxLength !== c[0]) problems.push(`at most ${c[0]} characters, documented maxLength ${schema.maxLength}`);
    if (r.name === 'minLength' && schema.minLength !== c[0]) problems.push(`at least ${c[0]} characters, documented minLength ${schema.minLength}`);
    if (r.name === 'matches' && schema.pattern !== (c[0] as RegExp).source) problems.push(`must match ${c[0]}, documented pattern ${schema.pattern}`);
    if (r.name === 'min' && schema.minimum !== c[0]) problems.push(`at least ${c[0]}, documented minimum ${schema.minimum}`);
    if (r.name === 'max' && schema.maximum !== c[0]) problems.push(`at most ${c[0]}, documented maximum ${schema.maximum}`);
    if (r.name === 'isIn' && JSON.stringify(resolved.enum) !== JSON.stringify(c[0]))
      problems.push(`one of ${JSON.stringify(c[0])}, documented enum ${JSON.stringify(resolved.enum)}`);
    if (r.type === 'nestedValidation' && !resolved.properties) problems.push('is a nested object, documented without its properties');
  }
  return problems;
}

describe('the OpenAPI document', () => {
  let running: RunningApp;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true' });
    doc = buildOpenApiDocument(running.app);
  });
  afterAll(() => running?.close());

  /** Asserts that the answer's status is declared for the route and its body fits the declared schema. */
  function expectDeclared(method: string, path: string, res: ApiResponse): void {
    const response = (doc.paths[path] as Schema | undefined)?.[method]?.responses?.[String(res.status)] as Schema | undefined;
    expect(response, `${method.toUpperCase()} ${path} answered ${res.status}, which it does not declare`).toBeDefined();
    const schema = response!.content?.['application/json']?.schema as Schema | undefined;
    if (res.status === 204) {
      expect(schema).toBeUndefined();
      return;
    }
    expect(schema, `${method.toUpperCase()} ${path} ${res.status} declares no JSON schema`).toBeDefined();
    expect(problemsOf(doc, schema!, res.body), `${method.toUpperCase()} ${path} ${res.status}: ${JSON.stringify(res.body)}`).toEqual([]);
  }

  it('is committed as openapi.json, up to date', () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    // the object comparison prints a readable diff; the text comparison also catches formatting
    expect(JSON.parse(committed), STALE).toEqual(JSON.parse(JSON.stringify(doc)));
    expect(committed === JSON.stringify(doc, null, 2) + '\n', STALE).toBe(true);
  });

  it('is served at /api/docs/openapi.json as committed', async () => {
    const res = await fetch(`${running.baseUrl}/api/docs/openapi.json`);
    expect(await res.json()).toEqual(JSON.parse(readFileSync(COMMITTED, 'utf8')));
  });

  it('gives every operation a unique operationId and a success response with a schema', () => {
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThan(15);
    const problems: string[] = [];
    const seen = new Map<string, string>();
    for (const { method, path, op } of ops) {
      const name = `${method.toUpperCase()} ${path}`;
      const id = op.operationId as string | undefined;
      if (!id || !/^[a-z][A-Za-z]+$/.test(id)) problems.push(`${name}: operationId ${JSON.stringify(id)} is not a camelCase name`);
      else if (seen.has(id)) problems.push(`${name}: operationId ${id} is also used by ${seen.get(id)}`);
      else seen.set(id, name);
      const success = Object.entries(op.responses as Record<string, Schema>).filter(([status]) => /^2\d\d$/.test(status));
      if (success.length === 0) problems.push(`${name}: no 2xx response`);
      for (const [status, response] of success) {
        if (status === '204') {
          if (response.content) problems.push(`${name}: 204 with a body`);
          continue;
        }
        const media = path === '/metrics' ? 'text/plain' : path === '/api/v1/events' ? 'text/event-stream' : 'application/json';
        if (!response.content?.[media]?.schema) problems.push(`${name}: ${status} has no ${media} schema`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('declares every error answer as ErrorView (readiness excepted), and 401 and 429 wherever a token is needed', () => {
    const problems: string[] = [];
    for (const { method, path, op } of operationsOf(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      const responses = op.responses as Record<string, Schema>;
      for (const [status, response] of Object.entries(responses)) {
        // the one exception: not ready answers with the readiness body itself, naming the failed check
        if (name === 'GET /readyz' && status === '503') {
          if (response.content?.['application/json']?.schema?.$ref !== '#/components/schemas/ReadinessView') problems.push(`${name}: 503 is not a ReadinessView`);
          continue;
        }
        if (/^[45]\d\d$/.test(status) && response.content?.['application/json']?.schema?.$ref !== '#/components/schemas/ErrorView') {
          problems.push(`${name}: ${status} is not an ErrorView`);
        }
      }
      const needsToken = ((op.security ?? []) as Schema[]).some((s) => 'bearer' in s);
      if (needsToken && !(responses['401'] && responses['429'])) problems.push(`${name}: needs a token but does not declare 401 and 429`);
      if (op.requestBody && !(responses['400'] && responses['413'] && responses['415'])) problems.push(`${name}: takes a body but does not declare 400, 413 and 415`);
    }
    expect(problems).toEqual([]);
  });

  it('describes every request property as its validators check it: type, pattern, length, range, enum, required', () => {
    const schemas = requestSchemas(doc);
    const classes = validatedClasses();
    const problems: string[] = [];
    let checked = 0;
    for (const [name, schema] of schemas) {
      if (schema.enum) continue; // an enum's values are checked where it is used
      const cls = classes.get(name);
      if (!cls) {
        problems.push(`${name}: no class with validation rules has this name`);
        continue;
      }
      const rules = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
      const byProperty = getMetadataStorage().groupByPropertyName(rules);
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      for (const property of new Set([...Object.keys(byProperty), ...Object.keys(properties)])) {
        const propertyRules = byProperty[property] ?? [];
        if (propertyRules.length === 0) {
          problems.push(`${name}.${property}: documented, but no validator accepts it`);
          continue;
        }
        checked++;
        for (const p of undocumentedRules(doc, properties[property], propertyRules, required.has(property))) problems.push(`${name}.${property} ${p}`);
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it('gives every name in a request the DNS-1123 pattern and at most 63 characters', () => {
    // a drift rule's name is a Kubernetes object's name (or a glob of one), not a Flotilla name
    const OBJECT_NAMES = ['IgnoreDifferenceDto'];
    const all = [...requestSchemas(doc)].filter(([, s]) => s.properties?.name);
    for (const [schema, s] of all.filter(([schema]) => OBJECT_NAMES.includes(schema))) expect(s.properties.name, schema).toMatchObject({ type: 'string', maxLength: 253 });
    const names = all.filter(([schema]) => !OBJECT_NAMES.includes(schema)).map(([schema, s]) => ({ schema, name: s.properties.name as Schema }));
    expect(names.map((n) => n.schema).sort()).toEqual(expect.arrayContaining(['CreateClusterDto', 'CreateRepositoryDto', 'CreateTokenDto']));
    for (const { schema, name } of names) {
      expect(name, schema).toMatchObject({ type: 'string', pattern: DNS_LABEL.source, maxLength: 63 });
      expect(new RegExp(name.pattern).test('prod-eu')).toBe(true);
      expect(new RegExp(name.pattern).test('Prod_EU')).toBe(false);
    }
  });

  it('types no request property as an object without saying what is in it; webhookSecret is a string', () => {
    const bare: string[] = [];
    for (const [name, schema] of requestSchemas(doc)) {
      for (const [property, p] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
        if (p.type === 'object' && !p.properties && !p.additionalProperties && !p.allOf && !p.$ref) bare.push(`${name}.${property}`);
        // a oneOf counts when every alternative says its type (maxParallel: 1 or "25%")
        const typedOneOf = Array.isArray(p.oneOf) && (p.oneOf as Schema[]).every((o) => o.type || o.$ref);
        if (!p.type && !p.allOf && !p.$ref && !typedOneOf) bare.push(`${name}.${property} (no type)`);
      }
    }
    expect(bare).toEqual([]);
    for (const dto of ['CreateRepositoryDto', 'UpdateRepositoryDto']) {
      expect((doc.components!.schemas![dto] as Schema).properties.webhookSecret, dto).toEqual({
        type: 'string',
        pattern: '^[\\x21-\\x7e]{16,256}$',
        minLength: 16,
        maxLength: 256,
        nullable: true,
        writeOnly: true,
        description: expect.stringContaining('16 to 256 printable characters'),
      });
    }
  });

  it('resolves every $ref', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((r) => pointer(doc, r) === undefined)).toEqual([]);
  });

  it('describes what the cluster routes really answer, for a cluster that is down too', async () => {
    const api = apiClient(running.baseUrl, ADMIN);
    const dead = `https://127.0.0.1:${await freePort()}`;
    const created = await api.post('/api/v1/clusters', { name: 'down', server: dead, labels: { env: 'test' }, auth: { type: 'bearerToken', token: 'not-a-real-token' } });
    expect(created.status).toBe(201);
    expect(created.body.status.phase).toBe('Unreachable');
    expectDeclared('post', '/api/v1/clusters', created);
    expectDeclared('get', '/api/v1/clusters', await api.get('/api/v1/clusters?selector=env=test'));
    expectDeclared('post', '/api/v1/clusters/{name}/check', await api.post('/api/v1/clusters/down/check'));
    expectDeclared('get', '/api/v1/clusters/{name}', await api.get('/api/v1/clusters/nowhere'));
    expectDeclared('post', '/api/v1/clusters', await api.post('/api/v1/clusters', { name: 'Not A Label', server: 42 }));
    expectDeclared('post', '/api/v1/clusters', await api.post('/api/v1/clusters', { name: 'down', server: dead, auth: { type: 'bearerToken', token: 't' } }));
    expectDeclared('delete', '/api/v1/clusters/{name}', await api.delete('/api/v1/clusters/down'));
  });

  it('describes what the token routes really answer: the token once, then never', async () => {
    const api = apiClient(running.baseUrl, ADMIN);
    const created = await api.post('/api/v1/tokens', { name: 'openapi-viewer', role: 'viewer' });
    expect(created.status).toBe(201);
    expectDeclared('post', '/api/v1/tokens', created);
    const listed = await api.get('/api/v1/tokens');
    expect(listed.body.map((t: { name: string }) => t.name)).toContain('openapi-viewer');
    expectDeclared('get', '/api/v1/tokens', listed);
    expectDeclared('post', '/api/v1/tokens', await apiClient(running.baseUrl, created.body.token).post('/api/v1/tokens', { name: 'again', role: 'admin' }));
    expectDeclared('get', '/api/v1/tokens', await apiClient(running.baseUrl).get('/api/v1/tokens'));
  });

  it('describes what the repository routes really answer, for a remote that is down too', async () => {
    const api = apiClient(running.baseUrl, ADMIN);
    const url = `https://127.0.0.1:${await freePort()}/acme/deploy.git`;
    const created = await api.post('/api/v1/repositories', { name: 'deploy', url, auth: { type: 'basic', username: 'x-access-token', password: 'not-a-secret' } });
    expect(created.status).toBe(201);
    expectDeclared('post', '/api/v1/repositories', created);
    const plain = await api.post('/api/v1/repositories', { name: 'plain', url });
    expect(plain.body.auth).toBeNull();
    expectDeclared('post', '/api/v1/repositories', plain);
    expectDeclared('get', '/api/v1/repositories', await api.get('/api/v1/repositories'));
    expectDeclared('post', '/api/v1/repositories/{name}/refresh', await api.post('/api/v1/repositories/deploy/refresh'));
  });

  it('describes what the application routes really answer, synced on a real cluster', async () => {
    const [east] = inject('clusters');
    const api = apiClient(running.baseUrl, ADMIN);
    const git = await GitHttpServer.start();
    try {
      const repo = await git.createRepository('oa-apps');
      await repo.commit({ 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: oa-settings}\ndata: {a: "1"}\n' });
      expect(
        (
          await api.post('/api/v1/clusters', {
            name: 'oa-east',
            server: east.server,
            labels: { env: 'oa' },
            tls: { caData: east.caData },
            auth: { type: 'bearerToken', token: east.adminToken },
          })
        ).status,
      ).toBe(201);
      expect((await api.post('/api/v1/repositories', { name: 'oa-apps', url: git.url('oa-apps'), pollIntervalSeconds: 3600 })).status).toBe(201);
      const body = {
        name: 'oa-app',
        labels: { team: 'oa' },
        repository: 'oa-apps',
        path: 'app',
        destinations: [
          { clusterSelector: { matchLabels: { env: 'oa' } }, namespace: 'oa-{{cluster.name}}' },
          { cluster: 'oa-east', namespace: 'oa-{{cluster.labels.missing}}' },
        ],
        syncPolicy: { prune: true },
      };
      const created = await api.post('/api/v1/applications', body);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expectDeclared('post', '/api/v1/applications', created);
      expectDeclared('post', '/api/v1/applications', await api.post('/api/v1/applications', { ...body, repository: 'nowhere' }));
      const synced = await eventually(
        'synced',
        () => api.get('/api/v1/applications/oa-app'),
        (r) => r.body.status.summary.synced === 1,
        30_000,
        200,
      );
      expectDeclared('get', '/api/v1/applications/{name}', synced);
      expectDeclared('get', '/api/v1/applications', await api.get('/api/v1/applications?selector=team=oa&limit=1'));
      expectDeclared('get', '/api/v1/applications/{name}/diff', await api.get('/api/v1/applications/oa-app/diff'));
      expectDeclared('post', '/api/v1/applications/{name}/sync', await api.post('/api/v1/applications/oa-app/sync', { dryRun: true }));
      expectDeclared('post', '/api/v1/applications/{name}/sync', await api.post('/api/v1/applications/oa-app/sync', {}));
      const history = await api.get('/api/v1/applications/oa-app/history?limit=1');
      expectDeclared('get', '/api/v1/applications/{name}/history', history);
      expectDeclared('post', '/api/v1/applications/{name}/rollback', await api.post('/api/v1/applications/oa-app/rollback', { syncRunId: history.body.items[0].id }));
      expectDeclared('patch', '/api/v1/applications/{name}', await api.patch('/api/v1/applications/oa-app', { revision: null }));
      expectDeclared('delete', '/api/v1/applications/{name}', await api.delete('/api/v1/applications/oa-app?cascade=true'));
      await eventually(
        'deleted',
        () => api.get('/api/v1/applications/oa-app'),
        (r) => r.status === 404,
        30_000,
        200,
      );
      expect((await api.post('/api/v1/applications', body)).status).toBe(201);
      expectDeclared('delete', '/api/v1/applications/{name}', await api.delete('/api/v1/applications/oa-app'));
    } finally {
      await git.stop();
    }
  });

  it('describes what the channel routes really answer', async () => {
    const api = apiClient(running.baseUrl, ADMIN);
    const slack = await api.post('/api/v1/channels', { name: 'oa-slack', type: 'slack', slack: { token: 'xoxb-openapi-test-token', channel: '#deploys' } });
    expect(slack.status, JSON.stringify(slack.body)).toBe(201);
    expectDeclared('post', '/api/v1/channels', slack);
    const hook = await api.post('/api/v1/channels', {
      name: 'oa-hook',
      type: 'webhook',
      webhook: { url: 'https://hooks.example.test/flotilla', secret: 'openapi-webhook-secret-0123', headers: { 'X-Team': 'ops' } },
    });
    expectDeclared('post', '/api/v1/channels', hook);
    expectDeclared(
      'post',
      '/api/v1/channels',
      await api.post('/api/v1/channels', { name: 'oa-meta', type: 'webhook', webhook: { url: 'http://169.254.169.254/latest/meta-data' } }),
    );
    expectDeclared('get', '/api/v1/channels', await api.get('/api/v1/channels'));
    expectDeclared('patch', '/api/v1/channels/{name}', await api.patch('/api/v1/channels/oa-hook', { webhook: { timeoutSeconds: 5 } }));
    expectDeclared('get', '/api/v1/channels/{name}/deliveries', await api.get('/api/v1/channels/oa-hook/deliveries?limit=5'));
    expectDeclared('delete', '/api/v1/channels/{name}', await api.delete('/api/v1/channels/oa-slack'));
  });

  it('describes what the audit and operations routes really answer', async () => {
    const api = apiClient(running.baseUrl, ADMIN);
    const page = await api.get('/api/v1/audit?limit=2');
    expect(page.body.items).toHaveLength(2);
    expectDeclared('get', '/api/v1/audit', page);
    expectDeclared('get', '/api/v1/audit', await api.get('/api/v1/audit?limit=many'));
    expectDeclared('get', '/api/v1/audit/verify', await api.get('/api/v1/audit/verify'));
    expectDeclared('get', '/healthz', await api.get('/healthz'));
    expectDeclared('get', '/readyz', await api.get('/readyz'));
    const metrics = await api.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain\b/);
    expect(Object.keys((doc.paths['/metrics'] as Schema).get.responses['200'].content)).toEqual(['text/plain']);
  });
});
