import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../config/app-config';
import type { RenderedObject } from '../engine';
import type { Application, SyncPolicy } from './application.entity';
import type { DesiredState } from './desired-state';
import { TargetPlan, TargetPlans } from './target-plans';
import type { TargetRow } from './target.entity';

const policy: SyncPolicy = { automated: true, prune: false, selfHeal: false, intervalSeconds: 120, adopt: true, pruneAdopted: false, clusterResources: ['Namespace'] };
const app = (over: Partial<Application> = {}) =>
  ({
    name: 'web',
    repository: 'repo',
    revision: null,
    pinnedRevision: null,
    syncPolicy: policy,
    ignoreDifferences: [{ kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
    ...over,
  }) as Application;
const config = { sync: { ignoreDifferences: [{ kind: 'ConfigMap', jsonPointers: ['/data/x'] }], engineConcurrency: 4 } } as unknown as AppConfig;
const row = {
  id: 7,
  application: 'web',
  cluster: 'east',
  namespace: 'team-1',
  path: 'apps/web',
  inventory: [{ group: '', version: 'v1', kind: 'ConfigMap', name: 'a' }],
} as TargetRow;
const objects = [{ object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } } }] as unknown as RenderedObject[];

/** TargetPlans with a mirror that answers any revision with "sha-of-<revision>", counting branch lookups */
function plans() {
  const looked = { branch: 0 };
  const desired = { resolve: async (_repository: string, revision: string) => `sha-of-${revision}` } as unknown as DesiredState;
  const service = new TargetPlans(undefined as never, config, undefined as never, undefined as never, desired, undefined as never, undefined as never);
  const branch = async () => {
    looked.branch++;
    return 'main';
  };
  return { service, branch, looked };
}

describe('the revision a target is planned at', () => {
  it('is the one asked for, else the rollback pin, the application revision, the branch — looking the branch up only when needed', async () => {
    const { service, branch, looked } = plans();
    expect(await service.revisionOf(app({ pinnedRevision: 'pin', revision: 'v1' }), 'asked', branch)).toBe('sha-of-asked');
    expect(await service.revisionOf(app({ pinnedRevision: 'pin', revision: 'v1' }), null, branch)).toBe('sha-of-pin');
    expect(await service.revisionOf(app({ revision: 'v1' }), null, branch)).toBe('sha-of-v1');
    expect(looked.branch).toBe(0);
    expect(await service.revisionOf(app(), null, branch)).toBe('sha-of-main');
    expect(looked.branch).toBe(1);
  });
});

describe('the request a plan makes of the engine', () => {
  const tools = { config } as unknown as ConstructorParameters<typeof TargetPlan>[4];
  const plan = (a = app()) => new TargetPlan(a, row, null, null, tools);

  it('follows the sync policy: prune as it says, its takeover rules, the global drift rules then its own', () => {
    expect(plan().request(objects)).toEqual({
      target: { application: 'web', cluster: 'east', namespace: 'team-1' },
      objects,
      inventory: row.inventory,
      prune: false,
      adopt: true,
      pruneAdopted: false,
      clusterResources: ['Namespace'],
      ignoreDifferences: [
        { kind: 'ConfigMap', jsonPointers: ['/data/x'] },
        { kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
      ],
    });
  });

  it("takes a manual sync's prune over the policy's, and a dry run only when asked", () => {
    expect(plan().request(objects, { prune: true }).prune).toBe(true);
    expect(plan(app({ syncPolicy: { ...policy, prune: true } })).request(objects, { prune: null }).prune).toBe(true);
    expect(plan().request(objects)).not.toHaveProperty('dryRun');
    expect(plan().request(objects, { dryRun: true }).dryRun).toBe(true);
  });

  it('checks drift with the same rules', () => {
    const { prune: _prune, ...same } = plan().request(objects);
    expect(plan().check(objects)).toEqual(same);
  });

  it('says the cluster is no longer registered instead of rendering or planning on nothing', async () => {
    await expect(plan().render('sha')).rejects.toThrow('cluster "east" is no longer registered');
    expect(() => plan().engine()).toThrow('cluster "east" is no longer registered');
  });
});
