import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { SyncEngine, SYNC_OPTIONS_ANNOTATION } from '../../src/engine';
import { adminClient, configMap, deployment, uniqueName } from './helpers';

const [east] = inject('clusters');

// A CRD whose nested schema the client library has no model for: what the server stores must be
// exactly what was sent, however deep.
function gadgetCrd(group: string) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `gadgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    rollout: {
                      type: 'object',
                      properties: {
                        steps: {
                          type: 'array',
                          items: {
                            type: 'object',
                            properties: {
                              weight: { type: 'integer' },
                              pause: { type: 'object', properties: { duration: { type: 'string' } } },
                              analysis: { type: 'object', properties: { templates: { type: 'array', items: { type: 'string' } } } },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

describe('sync engine: every field reaches the server untouched', () => {
  const client = adminClient(east);
  const engine = new SyncEngine(client);
  const namespace = uniqueName();
  const target = { application: 'fields', cluster: east.name, namespace };
  const group = `${uniqueName('g')}.flotilla.test`;

  it('stores a custom resource with a deeply nested schema and a Deployment with recent pod fields exactly as sent', async () => {
    const gadget = {
      apiVersion: `${group}/v1alpha1`,
      kind: 'Gadget',
      metadata: { name: 'canary' },
      spec: {
        rollout: {
          steps: [
            { weight: 10, pause: { duration: '5m' } },
            { weight: 50, analysis: { templates: ['latency', 'errors'] } },
          ],
        },
      },
    };
    const web = deployment('web', 2);
    const podSpec = web.spec.template.spec as Record<string, any>;
    podSpec.resources = { limits: { cpu: '1', memory: '512Mi' } }; // pod-level resources (1.34 beta)
    podSpec.containers[0].resizePolicy = [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }];
    podSpec.containers[0].resources = { requests: { cpu: '250m', memory: '128Mi' } };
    const result = await engine.sync({ target, objects: [gadget, gadgetCrd(group), web], clusterResources: ['apiextensions.k8s.io/CustomResourceDefinition'] });
    expect(result.changes.map((c) => [c.ref.kind, c.action, c.message])).toEqual([
      ['CustomResourceDefinition', 'created', undefined],
      ['Namespace', 'created', 'target namespace created (never pruned)'],
      ['Deployment', 'created', undefined],
      ['Gadget', 'created', undefined],
    ]);
    const live = await client.get(`${group}/v1alpha1`, 'Gadget', 'canary', namespace);
    expect(live!.spec).toEqual(gadget.spec);
    const liveWeb = await client.get('apps/v1', 'Deployment', 'web', namespace);
    expect(liveWeb!.spec.template.spec.resources).toEqual({ limits: { cpu: '1', memory: '512Mi' } });
    expect(liveWeb!.spec.template.spec.containers[0]).toMatchObject({
      resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
      resources: { requests: { cpu: '250m', memory: '128Mi' } },
    });
  });

  it('fails a misspelled field with the server strict-validation message naming it, and applies nothing of that object', async () => {
    const typo = deployment('typo') as any;
    typo.spec.replcas = 3;
    const result = await engine.sync({ target, objects: [typo, configMap('fine', { a: '1' })] });
    const failed = result.changes.find((c) => c.ref.name === 'typo')!;
    expect(failed.action).toBe('failed');
    expect(failed.message).toMatch(/spec\.replcas/);
    expect(failed.message).toMatch(/field not declared in schema|unknown field/);
    expect(result.changes.find((c) => c.ref.name === 'fine')!.action).toBe('created');
    expect(result.ok).toBe(false);
    expect(await client.get('apps/v1', 'Deployment', 'typo', namespace)).toBeUndefined();
  });

  it('reports an invalid object with the server reason and its causes', async () => {
    const bad = deployment('mismatch') as any;
    bad.spec.selector.matchLabels = { app: 'other' };
    const result = await engine.sync({ target, objects: [bad] });
    const entry = result.changes.find((c) => c.ref.name === 'mismatch')!;
    expect(entry.action).toBe('failed');
    expect(entry.message).toMatch(/Invalid/);
    expect(entry.message).toMatch(/spec\.template\.metadata\.labels.*`selector` does not match template `labels`/);
  });

  it('names a kind whose CRD is not installed and still applies the rest', async () => {
    const orphan = { apiVersion: 'nowhere.flotilla.test/v1', kind: 'Ghost', metadata: { name: 'boo' }, spec: {} };
    const result = await engine.sync({ target, objects: [orphan, configMap('still-here', { a: '1' })] });
    expect(result.changes.find((c) => c.ref.kind === 'Ghost')).toMatchObject({
      action: 'failed',
      message: 'no kind Ghost in nowhere.flotilla.test/v1 — is its CRD installed?',
    });
    expect(result.changes.find((c) => c.ref.name === 'still-here')!.action).toBe('created');
    expect(result.inventory.map((r) => r.name)).toEqual(['still-here']);
  });

  it('refuses an immutable-field change unless the object opts in to delete-and-recreate', async () => {
    const job = (image: string, optIn: boolean) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', ...(optIn ? { annotations: { [SYNC_OPTIONS_ANNOTATION]: 'Replace=true' } } : {}) },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image }] } } },
    });
    await engine.sync({ target, objects: [job('tool:1', false)] });
    const before = await client.get('batch/v1', 'Job', 'migrate', namespace);
    const refused = await engine.sync({ target, objects: [job('tool:2', false)] });
    expect(refused.changes[0].action).toBe('failed');
    expect(refused.changes[0].message).toMatch(/immutable/);
    expect(refused.changes[0].message).toMatch(/flotilla\.io\/sync-options: Replace=true/);
    expect((await client.get('batch/v1', 'Job', 'migrate', namespace))!.metadata.uid).toBe(before!.metadata.uid);

    const replaced = await engine.sync({ target, objects: [job('tool:2', true)] });
    expect(replaced.changes[0]).toMatchObject({ action: 'configured', message: expect.stringMatching(/deleted and recreated/) });
    const after = await client.get('batch/v1', 'Job', 'migrate', namespace);
    expect(after!.metadata.uid).not.toBe(before!.metadata.uid);
    expect(after!.spec.template.spec.containers[0].image).toBe('tool:2');
  });
});
