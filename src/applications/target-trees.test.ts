// The links of a target's tree that no ownerReference records: which Service selects which Pod,
// which Ingress routes to which Service — compared as the endpoints and ingress controllers would.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../engine';
import { treeLinks } from './target-trees';

const pod = (name: string, labels: Record<string, string>, namespace = 'shop'): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels } });
const service = (name: string, selector: Record<string, string> | undefined, namespace = 'shop'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: selector ? { selector } : {},
});

describe('treeLinks', () => {
  it('links a Service to the Pods holding every pair of its selector, in its namespace only', () => {
    const links = treeLinks([
      service('web', { app: 'web', tier: 'front' }),
      pod('web-1', { app: 'web', tier: 'front', extra: 'x' }),
      pod('web-2', { app: 'web' }),
      pod('web-3', { app: 'web', tier: 'back' }),
      pod('web-4', { app: 'web', tier: 'front' }, 'other'),
    ]);
    expect(links).toEqual([{ from: '/Service/shop/web', to: '/Pod/shop/web-1', kind: 'selects' }]);
  });

  it('links nothing for a Service without a selector (its endpoints are kept by hand)', () => {
    expect(treeLinks([service('manual', undefined), service('empty', {}), pod('p', { app: 'web' })])).toEqual([]);
  });

  it("links an Ingress to the Services its rules and default backend name, in either API version's shape, each once", () => {
    const v1: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'edge', namespace: 'shop' },
      spec: {
        defaultBackend: { service: { name: 'web', port: { number: 80 } } },
        rules: [
          {
            http: {
              paths: [
                { path: '/', backend: { service: { name: 'web' } } },
                { path: '/api', backend: { service: { name: 'api' } } },
              ],
            },
          },
          {
            http: {
              paths: [
                { path: '/gone', backend: { service: { name: 'missing' } } },
                { path: '/bucket', backend: { resource: { kind: 'Bucket', name: 'b' } } },
              ],
            },
          },
          { host: 'no-http.example' },
        ],
      },
    };
    const beta: KubeObject = {
      apiVersion: 'networking.k8s.io/v1beta1',
      kind: 'Ingress',
      metadata: { name: 'old', namespace: 'shop' },
      spec: { backend: { serviceName: 'api', servicePort: 80 } },
    };
    const links = treeLinks([v1, beta, service('web', { app: 'web' }), service('api', { app: 'api' }), service('web', { app: 'web' }, 'other')]);
    expect(links).toEqual([
      { from: 'networking.k8s.io/Ingress/shop/edge', to: '/Service/shop/api', kind: 'routes' },
      { from: 'networking.k8s.io/Ingress/shop/edge', to: '/Service/shop/web', kind: 'routes' },
      { from: 'networking.k8s.io/Ingress/shop/old', to: '/Service/shop/api', kind: 'routes' },
    ]);
  });

  it('links each pair once, however often the tree shows an object', () => {
    const p = pod('web-1', { app: 'web' });
    expect(treeLinks([service('web', { app: 'web' }), p, p])).toHaveLength(1);
  });
});
