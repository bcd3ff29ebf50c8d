import { describe, expect, it } from 'vitest';
import { healthOf, worstHealth } from './health';
import type { KubeObject } from './objects';

const deploy = (spec: object, status?: object, generation = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', generation },
  spec: { replicas: 2, ...spec },
  ...(status ? { status } : {}),
});

describe('health rules', () => {
  it('judges a Deployment by its rollout', () => {
    const done = { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 };
    expect(healthOf(deploy({}, done)).status).toBe('Healthy');
    expect(healthOf(deploy({}))).toMatchObject({ status: 'Progressing', message: expect.stringMatching(/observe generation 1/) });
    expect(healthOf(deploy({}, done, 2)).status).toBe('Progressing');
    expect(healthOf(deploy({}, { ...done, updatedReplicas: 1 }))).toMatchObject({ status: 'Progressing', message: '1 of 2 replicas updated' });
    expect(healthOf(deploy({}, { ...done, replicas: 3 }))).toMatchObject({ status: 'Progressing', message: '1 old replicas pending termination' });
    expect(healthOf(deploy({}, { ...done, availableReplicas: 1 })).status).toBe('Progressing');
    expect(healthOf(deploy({ paused: true }, done)).status).toBe('Suspended');
    expect(healthOf(deploy({}, { ...done, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] })).status).toBe('Degraded');
  });

  it("reads a Deployment's conditions only once the controller observed its generation: a deadline the previous spec exceeded is not Degraded for the new one", () => {
    const stuck = {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      availableReplicas: 0,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    };
    expect(healthOf(deploy({}, stuck, 2))).toMatchObject({ status: 'Progressing', message: expect.stringMatching(/observe generation 2/) });
    expect(healthOf(deploy({}, { ...stuck, observedGeneration: 2 }, 2)).status).toBe('Degraded');
  });

  it('judges Pods, Jobs, PVCs, load balancers and StatefulSets', () => {
    const pod = (status: object, spec: object = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec, status });
    expect(healthOf(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })).status).toBe('Healthy');
    expect(healthOf(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] })).status).toBe('Progressing');
    expect(healthOf(pod({ phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ImagePullBackOff' } } }] }))).toMatchObject({
      status: 'Degraded',
      message: 'container c: ImagePullBackOff',
    });
    expect(healthOf(pod({ phase: 'Failed' })).status).toBe('Degraded');
    expect(healthOf(pod({ phase: 'Succeeded' })).status).toBe('Healthy');
    const job = (spec: object, status: object = {}): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec, status });
    expect(healthOf(job({}, { conditions: [{ type: 'Complete', status: 'True' }] })).status).toBe('Healthy');
    expect(healthOf(job({}, { conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }] })).status).toBe('Degraded');
    expect(healthOf(job({ suspend: true })).status).toBe('Suspended');
    expect(healthOf(job({})).status).toBe('Progressing');
    const pvc = (phase?: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, status: phase ? { phase } : {} });
    expect([healthOf(pvc('Bound')).status, healthOf(pvc('Pending')).status, healthOf(pvc('Lost')).status]).toEqual(['Healthy', 'Progressing', 'Degraded']);
    const svc = (type: string, ingress: object[] = []): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { type },
      status: { loadBalancer: { ingress } },
    });
    expect([healthOf(svc('ClusterIP')).status, healthOf(svc('LoadBalancer')).status, healthOf(svc('LoadBalancer', [{ ip: '1.2.3.4' }])).status]).toEqual([
      'Healthy',
      'Progressing',
      'Healthy',
    ]);
    const sts: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', generation: 1 },
      spec: { replicas: 3 },
      status: { observedGeneration: 1, readyReplicas: 2 },
    };
    expect(healthOf(sts)).toMatchObject({ status: 'Progressing', message: '2 of 3 replicas ready' });
  });

  it('falls back to Ready/Available conditions and observedGeneration, and calls an object without status Healthy', () => {
    const cr = (status?: object, generation = 1): KubeObject => ({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', generation },
      ...(status ? { status } : {}),
    });
    expect(healthOf(cr()).status).toBe('Healthy');
    expect(healthOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }).status).toBe('Healthy');
    expect(healthOf(cr({ conditions: [{ type: 'Ready', status: 'False', reason: 'Broken', message: 'no backend' }] }))).toEqual({
      status: 'Degraded',
      message: 'Broken: no backend',
    });
    expect(healthOf(cr({ conditions: [{ type: 'Ready', status: 'Unknown' }] })).status).toBe('Progressing');
    expect(healthOf(cr({ observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] }, 2)).status).toBe('Progressing');
    // a kind named like a built-in in another group gets the generic rules
    expect(healthOf({ apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'd' } }).status).toBe('Healthy');
    expect(healthOf(undefined).status).toBe('Missing');
  });

  it('aggregates to the least healthy status in Argo CD order', () => {
    expect(worstHealth([])).toBe('Healthy');
    expect(worstHealth(['Healthy', 'Suspended'])).toBe('Suspended');
    expect(worstHealth(['Progressing', 'Suspended', 'Healthy'])).toBe('Progressing');
    expect(worstHealth(['Progressing', 'Missing'])).toBe('Missing');
    expect(worstHealth(['Missing', 'Degraded', 'Progressing'])).toBe('Degraded');
  });
});
