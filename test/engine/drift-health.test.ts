import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { SyncEngine, type ObjectRef } from '../../src/engine';
import { clusterRequest } from '../testbed/cluster';
import { adminClient, configMap, deployment, uniqueName } from './helpers';

const [east] = inject('clusters');

describe('sync engine: drift', () => {
  const client = adminClient(east);
  const engine = new SyncEngine(client);
  const namespace = uniqueName();
  const target = { application: 'drifty', cluster: east.name, namespace };
  const objects = () => [configMap('settings', { mode: 'fast' }), configMap('flags', { beta: 'on' }), deployment('web', 1)];

  it('reports a field changed by another field manager and an object deleted by hand, and a new sync restores both', async () => {
    const first = await engine.sync({ target, objects: objects() });
    expect(first.ok).toBe(true);
    expect(await engine.drift({ target, objects: objects(), inventory: first.inventory })).toEqual([]);

    // as `kubectl edit` would: an update by another manager
    const edited = await clusterRequest(
      east,
      east.adminToken,
      'PATCH',
      `/apis/apps/v1/namespaces/${namespace}/deployments/web?fieldManager=kubectl-edit`,
      { spec: { replicas: 5 } },
      'application/merge-patch+json',
    );
    expect(edited.status).toBe(200);
    expect(await client.delete('v1', 'ConfigMap', 'flags', namespace)).toBe(true);

    const drift = await engine.drift({ target, objects: objects(), inventory: first.inventory });
    expect(drift.map((d) => `${d.state} ${d.ref.kind}/${d.ref.name}`).sort()).toEqual(['changed Deployment/web', 'deleted ConfigMap/flags']);
    const changed = drift.find((d) => d.state === 'changed')!;
    expect(changed.diff).toEqual([{ path: 'spec.replicas', live: 5, desired: 1 }]);
    expect(changed.managers).toContain('kubectl-edit');
    expect(changed.message).toMatch(/spec\.replicas/);

    const healed = await engine.sync({ target, objects: objects(), inventory: first.inventory });
    expect(Object.fromEntries(healed.changes.map((c) => [c.ref.name, c.action]))).toEqual({ settings: 'unchanged', flags: 'created', web: 'configured' });
    expect(healed.changes.find((c) => c.ref.name === 'web')!.diff).toEqual([{ path: 'spec.replicas', live: 5, desired: 1 }]);
    expect((await client.get('apps/v1', 'Deployment', 'web', namespace))!.spec.replicas).toBe(1);
    expect(await engine.drift({ target, objects: objects(), inventory: healed.inventory })).toEqual([]);
  });
});

describe('sync engine: health', () => {
  const client = adminClient(east);
  const engine = new SyncEngine(client);
  const namespace = uniqueName();
  const ref = (kind: string, name: string, group = ''): ObjectRef => ({ group, version: 'v1', kind, namespace, name });
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'broken' },
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'tool:1' }] } } },
  };

  it('judges Deployments and Jobs by the status their controllers write, and objects without status by the documented rules', async () => {
    const result = await engine.sync({
      target: { application: 'healthy', cluster: east.name, namespace },
      objects: [deployment('rolled', 2), deployment('stuck', 2), deployment('fresh', 1), job, configMap('plain', { a: '1' })],
    });
    expect(result.ok).toBe(true);
    // nothing has written any status yet: workloads are Progressing, a ConfigMap is Healthy
    const before = Object.fromEntries(result.health.resources.map((r) => [r.ref.name, r.status]));
    expect(before).toEqual({ plain: 'Healthy', rolled: 'Progressing', stuck: 'Progressing', fresh: 'Progressing', broken: 'Progressing' });
    expect(result.health.status).toBe('Progressing');

    const now = new Date().toISOString();
    await client.patchStatus('apps/v1', 'Deployment', 'rolled', namespace, {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastUpdateTime: now, lastTransitionTime: now },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', lastUpdateTime: now, lastTransitionTime: now },
      ],
    });
    await client.patchStatus('apps/v1', 'Deployment', 'stuck', namespace, {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      conditions: [
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "stuck-1" has timed out progressing.',
          lastUpdateTime: now,
          lastTransitionTime: now,
        },
      ],
    });
    await client.patchStatus('batch/v1', 'Job', 'broken', namespace, {
      startTime: now,
      failed: 1,
      conditions: [
        {
          type: 'FailureTarget',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
        { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: now, lastTransitionTime: now },
      ],
    });

    const health = await engine.health([
      ref('Deployment', 'rolled', 'apps'),
      ref('Deployment', 'stuck', 'apps'),
      ref('Deployment', 'fresh', 'apps'),
      ref('Job', 'broken', 'batch'),
      ref('ConfigMap', 'plain'),
      ref('ConfigMap', 'never-created'),
    ]);
    const byName = Object.fromEntries(health.resources.map((r) => [r.ref.name, r]));
    expect(byName.rolled).toMatchObject({ status: 'Healthy' });
    expect(byName.stuck).toMatchObject({ status: 'Degraded', message: 'deployment "stuck" exceeded its progress deadline' });
    expect(byName.fresh).toMatchObject({ status: 'Progressing', message: expect.stringMatching(/observe generation 1/) });
    expect(byName.broken).toMatchObject({ status: 'Degraded', message: expect.stringMatching(/BackoffLimitExceeded/) });
    expect(byName.plain).toMatchObject({ status: 'Healthy' });
    expect(byName['never-created']).toMatchObject({ status: 'Missing' });
    expect(health.status).toBe('Degraded');
  });
});
