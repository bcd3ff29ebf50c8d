// Whose change a watch event is, read from managedFields: the newest entry decides. An object
// someone created by hand long ago and Flotilla applied since is Flotilla's (no drift); a
// `kubectl edit` after Flotilla's apply is someone else's (drift), whatever came before it.
// Timestamps in managedFields have a one-second resolution, so writes here are a second apart.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClusterLiveCache, FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE, TRACKING_ID_ANNOTATION, type ForeignChange, type ObjectRef } from '../../src/engine';
import { systemClock } from '../../src/shared/clock';
import { eventually } from '../support/eventually';
import { editObject, sleep } from '../support/workloads';
import { clusterRequest } from '../testbed/cluster';
import { adminClient, configMap, uniqueName } from './helpers';

const [, west] = inject('clusters');

describe("the live cache tells Flotilla's own writes from drift", () => {
  const client = adminClient(west);
  const namespace = uniqueName('eng-lc-drift');
  const trackingId = `drift:${namespace}`;
  const metadata = (name: string) => ({ name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }, annotations: { [TRACKING_ID_ANNOTATION]: trackingId } });
  const ref = (name: string): ObjectRef => ({ group: '', version: 'v1', kind: 'ConfigMap', namespace, name });
  const seen: ForeignChange[] = [];
  const cache = new ClusterLiveCache(client, { clock: systemClock, onForeignChange: (c) => seen.push(c) });
  const foreign = (name: string) => seen.filter((c) => c.ref.name === name).map((c) => c.type);

  /** Created by hand (manager kubectl-create); watch events of one kind arrive in order, so once its event is seen, every earlier one was. */
  const createByHand = async (name: string, data: Record<string, string>) => {
    const res = await clusterRequest(west, west.adminToken, 'POST', `/api/v1/namespaces/${namespace}/configmaps?fieldManager=kubectl-create`, {
      ...configMap(name, data),
      metadata: metadata(name),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  };
  const flotillaApplies = (name: string, data: Record<string, string>) =>
    client.apply({ ...configMap(name, data), metadata: metadata(name) }, { fieldManager: FIELD_MANAGER, force: true });
  const settle = async (sentinel: string) => {
    await createByHand(sentinel, { sentinel: 'yes' });
    await eventually(
      `${sentinel} seen`,
      async () => foreign(sentinel),
      (t) => t.includes('ADDED'),
      10_000,
      50,
    );
  };

  beforeAll(async () => {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { fieldManager: FIELD_MANAGER, force: true });
  });
  afterAll(async () => {
    await cache.stop();
  });

  it("reports no drift when the newest managedFields entry is Flotilla's, though an older one is someone else's, and reports a later kubectl edit", async () => {
    // created by hand; a second later Flotilla applies other fields, so both managers keep an entry
    await createByHand('settings', { byHand: 'yes' });
    await sleep(1100);
    await flotillaApplies('settings', { mode: 'git' });
    const fields = (await client.get('v1', 'ConfigMap', 'settings', namespace))!.metadata.managedFields as { manager: string; time: string }[];
    expect(fields.map((f) => f.manager).sort(), 'the older, foreign entry is still there').toEqual(['flotilla', 'kubectl-create']);
    expect(fields.find((f) => f.manager === 'flotilla')!.time > fields.find((f) => f.manager === 'kubectl-create')!.time).toBe(true);

    // watched from here (the first list reports nothing); Flotilla writing again is not drift
    await cache.use('drift-test', [ref('settings')]);
    expect(cache.synced).toBe(true);
    await sleep(1100);
    await flotillaApplies('settings', { mode: 'git-2' });
    await settle('sentinel');
    expect(foreign('settings'), "Flotilla's own apply: not drift").toEqual([]);

    // a kubectl edit a second later is
    await sleep(1100);
    await editObject(west, 'ConfigMap', namespace, 'settings', { data: { mode: 'edited' } });
    await eventually(
      'the edit reported',
      async () => foreign('settings'),
      (t) => t.includes('MODIFIED'),
      10_000,
      50,
    );
    expect(seen.find((c) => c.ref.name === 'settings')).toEqual({ trackingId, type: 'MODIFIED', ref: ref('settings') });
  }, 60_000);
});
