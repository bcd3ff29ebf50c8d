import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { PlainManifestRenderer, SyncEngine, TRACKING_ID_ANNOTATION } from '../../src/engine';
import { adminClient, uniqueName, writeTree } from './helpers';

const [east] = inject('clusters');

function crdYaml(group: string): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: { type: integer }
              shape:
                type: object
                properties:
                  corners: { type: integer }
                  edges:
                    type: array
                    items:
                      type: object
                      properties:
                        length: { type: number }
                        label: { type: string }
`;
}

function appTree(group: string, extraNamespace: string): Record<string, string> {
  return {
    'apps/shop/a-widget.yaml': `apiVersion: ${group}/v1
kind: Widget
metadata:
  name: gear
spec:
  size: 3
  shape:
    corners: 4
    edges: [{ length: 1.5, label: top }, { length: 2, label: side }]
`,
    'apps/shop/crd.yaml': crdYaml(group),
    'apps/shop/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${extraNamespace}\n`,
    'apps/shop/rbac.yaml': `apiVersion: v1
kind: ServiceAccount
metadata: { name: shop }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: shop-reader }
rules: [{ apiGroups: [""], resources: [configmaps], verbs: [get, list] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: shop-reader }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: shop-reader }
subjects: [{ kind: ServiceAccount, name: shop }]
`,
    'apps/shop/config/settings.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } }),
    'apps/shop/config/secret.yml': `apiVersion: v1\nkind: Secret\nmetadata: { name: creds }\nstringData: { password: hunter2 }\n`,
    'apps/shop/web.yaml': `---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
---
# an empty document follows
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: "registry.example/web:1.0" }]
`,
  };
}

describe('sync engine: apply', () => {
  const client = adminClient(east);
  const engine = new SyncEngine(client);
  const group = `${uniqueName('w')}.flotilla.test`;
  const namespace = uniqueName();
  const target = { application: 'shop', cluster: east.name, namespace };
  const extraNamespace = uniqueName();
  const root = writeTree(appTree(group, extraNamespace));

  it('plans a whole new target in a dry run, CRD, namespace and custom resource included, without writing anything', async () => {
    const objects = await new PlainManifestRenderer().render(root, 'apps/shop', target);
    const plan = await engine.diff({ target, objects, clusterResources: ['*'] });
    expect(plan.filter((c) => c.action !== 'created')).toEqual([]);
    expect(plan).toHaveLength(11);
    expect(plan.find((c) => c.ref.kind === 'Widget')!.message).toMatch(/would be created/);
    expect(await client.get('v1', 'Namespace', namespace)).toBeUndefined();
    expect(await client.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `widgets.${group}`)).toBeUndefined();
  });

  it('applies a CRD and its custom resource, a Namespace, RBAC, ConfigMap, Secret, Service and Deployment in one run, all in the target namespace', async () => {
    const objects = await new PlainManifestRenderer().render(root, 'apps/shop', target);
    expect(objects.map((o) => o.object.kind)).toEqual([
      'Widget',
      'Secret',
      'ConfigMap',
      'CustomResourceDefinition',
      'Namespace',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'Service',
      'Deployment',
    ]);
    const result = await engine.sync({ target, objects, prune: true, clusterResources: ['*'] });
    expect(result.changes.filter((c) => c.action !== 'created')).toEqual([]);
    expect(result.ok).toBe(true);
    // CRD first, then the Namespaces stage (the rendered namespace and the target namespace, by
    // name), then namespaced kinds by kind order
    expect(result.changes.map((c) => `${c.ref.kind}/${c.ref.name}`)).toEqual([
      `CustomResourceDefinition/widgets.${group}`,
      ...[extraNamespace, namespace].sort().map((n) => `Namespace/${n}`),
      'ServiceAccount/shop',
      'Secret/creds',
      'ConfigMap/settings',
      'Role/shop-reader',
      'RoleBinding/shop-reader',
      'Service/web',
      'Deployment/web',
      'Widget/gear',
    ]);
    expect(result.inventory).toHaveLength(10);
    for (const kindPath of [
      '/api/v1/namespaces/NS/serviceaccounts/shop',
      '/api/v1/namespaces/NS/secrets/creds',
      '/api/v1/namespaces/NS/configmaps/settings',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/NS/roles/shop-reader',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/NS/rolebindings/shop-reader',
      '/api/v1/namespaces/NS/services/web',
      '/apis/apps/v1/namespaces/NS/deployments/web',
      `/apis/${group}/v1/namespaces/NS/widgets/gear`,
    ]) {
      const live = await client.request('GET', kindPath.replace('NS', namespace));
      expect(live.metadata.namespace).toBe(namespace);
      expect(live.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'flotilla', 'flotilla.io/application': 'shop' });
      expect(live.metadata.annotations[TRACKING_ID_ANNOTATION]).toBe(`shop:${namespace}`);
    }
    const crd = await client.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `widgets.${group}`);
    expect(crd!.metadata.annotations![TRACKING_ID_ANNOTATION]).toBe('shop:_cluster');
    const widget = await client.get(`${group}/v1`, 'Widget', 'gear', namespace);
    expect(widget!.spec).toEqual({
      size: 3,
      shape: {
        corners: 4,
        edges: [
          { length: 1.5, label: 'top' },
          { length: 2, label: 'side' },
        ],
      },
    });
    const secret = await client.get('v1', 'Secret', 'creds', namespace);
    expect(Buffer.from(secret!.data.password, 'base64').toString()).toBe('hunter2');
  });

  it('writes nothing on a second apply of the same objects: every resourceVersion stays', async () => {
    const objects = await new PlainManifestRenderer().render(root, 'apps/shop', target);
    const refs = (await engine.sync({ target, objects, dryRun: true, clusterResources: ['*'] })).inventory;
    const versionsBefore = await Promise.all(
      refs.map(async (r) => (await client.get(r.group ? `${r.group}/${r.version}` : r.version, r.kind, r.name, r.namespace))!.metadata.resourceVersion),
    );
    const again = await engine.sync({ target, objects, prune: true, clusterResources: ['*'] });
    expect(again.changes.map((c) => c.action)).toEqual(Array(10).fill('unchanged'));
    expect(again.counts).toMatchObject({ created: 0, configured: 0, unchanged: 10, failed: 0 });
    const versionsAfter = await Promise.all(
      refs.map(async (r) => (await client.get(r.group ? `${r.group}/${r.version}` : r.version, r.kind, r.name, r.namespace))!.metadata.resourceVersion),
    );
    expect(versionsAfter).toEqual(versionsBefore);
  });

  it('shows a changed Secret in the diff without its values', async () => {
    const objects = await new PlainManifestRenderer().render(root, 'apps/shop', target);
    const changed = objects.map((o) => (o.object.kind === 'Secret' ? { ...o, object: { ...o.object, stringData: { password: 'swordfish' } } } : o));
    const diff = await engine.diff({ target, objects: changed, clusterResources: ['*'] });
    const secret = diff.find((c) => c.ref.kind === 'Secret')!;
    expect(secret.action).toBe('configured');
    expect(secret.diff).toEqual([{ path: 'data.password', live: '***', desired: '***' }]);
    expect(JSON.stringify(diff)).not.toMatch(/swordfish|hunter2|c3dvcmRmaXNo|aHVudGVyMg/);
    const live = await client.get('v1', 'Secret', 'creds', namespace);
    expect(Buffer.from(live!.data.password, 'base64').toString()).toBe('hunter2');
  });
});
