import { describe, expect, it } from 'vitest';
import { parseManifest, RenderError } from './render';
import { placeObject, scopeFromCrds } from './place';

describe('parsing manifests', () => {
  it('reads multi-document YAML, skips empty documents, flattens Lists and remembers each line', () => {
    const text = [
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: a }',
      '---',
      '# nothing',
      '---',
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- { apiVersion: v1, kind: ConfigMap, metadata: { name: b } }',
      '- { apiVersion: v1, kind: Secret, metadata: { name: c } }',
      '',
    ].join('\n');
    const out = parseManifest('dir/m.yaml', text);
    expect(out.map((o) => [o.object.kind, o.object.metadata.name, o.source.line])).toEqual([
      ['ConfigMap', 'a', 2],
      ['ConfigMap', 'b', 8],
      ['Secret', 'c', 8],
    ]);
    expect(parseManifest('e.yaml', '')).toEqual([]);
    expect(parseManifest('j.json', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}')[0].object.metadata.name).toBe('j');
  });

  it('names file and line for YAML errors and for objects that are not Kubernetes objects', () => {
    const bad = () => parseManifest('apps/x/b.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b: c\n');
    expect(bad).toThrow(RenderError);
    expect(bad).toThrow(/^apps\/x\/b\.yaml:6: invalid YAML/);
    expect(() => parseManifest('k.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nkind: ConfigMap\nmetadata: { name: b }\n')).toThrow(
      'k.yaml:6: object has no apiVersion',
    );
    expect(() => parseManifest('n.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n')).toThrow('n.yaml:1: ConfigMap has no metadata.name');
    expect(() => parseManifest('s.yaml', '- a\n- b\n')).toThrow(/s\.yaml:1: a document must be a Kubernetes object/);
    expect(() => parseManifest('d.yaml', 'a: 1\na: 2\n')).toThrow(/d\.yaml:2: invalid YAML/);
  });
});

describe('placement', () => {
  const target = { application: 'shop', cluster: 'east', namespace: 'prod' };

  it('puts namespaced objects in the target namespace and strips it from cluster-scoped ones, with labels and tracking id', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'elsewhere', labels: { keep: 'me' }, resourceVersion: '3' } };
    const placed = placeObject(cm, true, target);
    expect(placed.object.metadata).toEqual({
      name: 'c',
      namespace: 'prod',
      labels: { keep: 'me', 'app.kubernetes.io/managed-by': 'flotilla', 'flotilla.io/application': 'shop' },
      annotations: { 'flotilla.io/tracking-id': 'shop:prod' },
    });
    expect(cm.metadata.namespace).toBe('elsewhere');
    const role = placeObject({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', namespace: 'x' } }, false, target);
    expect(role.object.metadata.namespace).toBeUndefined();
    expect(role.object.metadata.annotations).toEqual({ 'flotilla.io/tracking-id': 'shop:_cluster' });
    expect(role.ref).toEqual({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', name: 'r' });
  });

  it('takes the scope of a kind not yet served from its CRD in the same set', () => {
    const crd = (scope: string) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'ws.ex.com' },
      spec: { group: 'ex.com', scope, names: { kind: 'W', plural: 'ws' }, versions: [{ name: 'v1' }] },
    });
    expect(scopeFromCrds([crd('Namespaced')], 'ex.com/v1', 'W')).toBe(true);
    expect(scopeFromCrds([crd('Cluster')], 'ex.com/v1', 'W')).toBe(false);
    expect(scopeFromCrds([crd('Cluster')], 'ex.com/v2', 'W')).toBeUndefined();
    expect(scopeFromCrds([], 'ex.com/v1', 'W')).toBeUndefined();
  });
});
