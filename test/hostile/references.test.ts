// Issue 18, case 9: names and apiVersions that URL normalisation would turn into other API paths
// (`..` → the namespace itself, `x/../../api/v1` + Secret → a core Secret read) are refused before
// any request. A proxy in front of `east` records what the API server was actually asked.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SyncEngine } from '../../src/engine';
import { InvalidReferenceError, KubeClient } from '../../src/kube';
import { ApiServerProxy } from '../support/api-server-proxy';
import { configMap } from '../engine/helpers';
import { hz } from './helpers';

const [east] = inject('clusters');

describe('object references that would become other API paths', () => {
  let proxy: ApiServerProxy;
  let client: KubeClient;
  beforeAll(async () => {
    proxy = await ApiServerProxy.start(east);
    client = KubeClient.fromCredentials({ server: proxy.url, caData: east.caData, token: east.adminToken });
  });
  afterAll(async () => {
    client?.close();
    await proxy?.stop();
  });

  it.each([
    ['a name ".."', () => client.get('v1', 'ConfigMap', '..', 'default'), 'name ".." may not be "." or ".."; refused before any request'],
    ['a name "."', () => client.delete('v1', 'ConfigMap', '.', 'default'), 'name "." may not be "." or ".."; refused before any request'],
    ['a namespace ".."', () => client.get('v1', 'ConfigMap', 'x', '..'), 'namespace ".." may not be "." or ".."; refused before any request'],
    ['a name with "/"', () => client.get('v1', 'ConfigMap', 'a/../b', 'default'), 'name "a/../b" may not contain "/" or "%"; refused before any request'],
    [
      'an apiVersion climbing out of its group',
      () => client.get('x/../../api/v1', 'Secret', 'db', 'default'),
      'apiVersion "x/../../api/v1" is not "version" or "group/version"; refused before any request',
    ],
    [
      'an apiVersion of dot segments',
      () => client.apply({ apiVersion: '../v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' } }, { fieldManager: 'flotilla' }),
      'apiVersion "../v1" is not "version" or "group/version"; refused before any request',
    ],
  ])('the kube client refuses %s without a request', async (_what, call, message) => {
    proxy.reset();
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidReferenceError);
    expect((error as Error).message).toBe(message);
    expect(proxy.requests).toEqual([]);
  });

  it('the engine fails such objects at placement, before discovery or any read, and applies the rest', async () => {
    const namespace = hz();
    const engine = new SyncEngine(client);
    proxy.reset();
    const result = await engine.sync({
      target: { application: 'hz-refs', cluster: east.name, namespace },
      objects: [
        configMap('..', { a: '1' }),
        configMap('.', { a: '1' }),
        { apiVersion: 'x/../../api/v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: 'taken' } },
        { apiVersion: 'v1', kind: 'ConfigMap\nINFO forged', metadata: { name: 'k' } },
        configMap('fine', { a: '1' }),
      ],
    });
    expect(result.changes.map((c) => [c.action, c.message])).toEqual([
      ['failed', 'name ".." may not be "." or ".."; refused before any request'],
      ['failed', 'name "." may not be "." or ".."; refused before any request'],
      ['failed', 'apiVersion "x/../../api/v1" is not "version" or "group/version"; refused before any request'],
      ['failed', 'kind "ConfigMap\\nINFO forged" is not a Kubernetes kind name; refused before any request'],
      ['created', 'target namespace created (never pruned)'],
      ['created', undefined],
    ]);
    // what the server was asked: the target namespace, the good ConfigMap, discovery of core/v1 — nothing else
    const paths = proxy.requests.map((r) => r.path);
    expect(paths.filter((p) => /secrets|\/$|\/x\b|\/apis\/x/.test(p))).toEqual([]);
    expect(paths.every((p) => p === '/api/v1' || p.startsWith(`/api/v1/namespaces/${namespace}`) || p === `/api/v1/namespaces`)).toBe(true);
    expect(result.inventory.map((r) => r.name)).toEqual(['fine']);
  });
});
