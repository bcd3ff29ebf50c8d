import { describe, expect, it } from 'vitest';
import { diffObjects, maskSecret, maskSecretChanges, normalize } from './diff';
import type { KubeObject } from './objects';

describe('normalisation and diff', () => {
  const live: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'n', uid: 'u', resourceVersion: '7', generation: 1, creationTimestamp: 't', managedFields: [{ manager: 'flotilla' }], labels: { a: '1' } },
    data: { x: '1', y: '2' },
    status: { anything: true },
  };

  it('ignores server-owned fields: managed fields, versions, timestamps, uid, status', () => {
    const predicted = { ...structuredClone(live), metadata: { ...live.metadata, resourceVersion: '8', managedFields: [] }, status: { other: 1 } };
    expect(diffObjects(normalize(live), normalize(predicted))).toEqual([]);
    expect(normalize(live).metadata).toEqual({ name: 'c', namespace: 'n', labels: { a: '1' } });
  });

  it('lists changed, added and removed fields by path, with array indices', () => {
    const desired = { ...structuredClone(live), data: { x: '9', z: '3' }, spec: { list: [1, 2] } };
    const before = { ...structuredClone(live), spec: { list: [1, 3] } };
    expect(diffObjects(normalize(before), normalize(desired))).toEqual([
      { path: 'data.x', live: '1', desired: '9' },
      { path: 'data.y', live: '2' },
      { path: 'data.z', desired: '3' },
      { path: 'spec.list[1]', live: 3, desired: 2 },
    ]);
    expect(diffObjects({ a: [1] }, { a: [1, 2] })).toEqual([{ path: 'a', live: [1], desired: [1, 2] }]);
  });

  it('masks Secret values in diffs and objects, and nothing of other kinds', () => {
    const changes = diffObjects({ data: { p: 'aHVudGVyMg==' }, type: 'Opaque' }, { data: { p: 'c3dvcmQ=', q: 'eA==' }, type: 'Opaque' });
    expect(maskSecretChanges('Secret', changes)).toEqual([
      { path: 'data.p', live: '***', desired: '***' },
      { path: 'data.q', desired: '***' },
    ]);
    expect(maskSecretChanges('ConfigMap', changes)).toBe(changes);
    expect(maskSecretChanges('Secret', [{ path: 'data', desired: { a: 'eA==' } }])).toEqual([{ path: 'data', desired: { a: '***' } }]);
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"p":"x"}}' } },
      data: { p: 'eA==' },
      stringData: { q: 'y' },
    };
    const masked = maskSecret(secret);
    expect(masked.data).toEqual({ p: '***' });
    expect(masked.stringData).toEqual({ q: '***' });
    expect(JSON.stringify(masked)).not.toContain('eA==');
    expect(secret.data.p).toBe('eA==');
  });
});
