// The apply memo lets a watch-fed plan call an object unchanged without a dry run — only while
// the live object is still the very version Flotilla's apply of the same desired object returned.
// A memo gone stale (the object edited since, or git changed since) must not hide either change.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ClusterLiveCache, SyncEngine, type Inventory, type ObjectRef } from '../../src/engine';
import { systemClock } from '../../src/shared/clock';
import { eventually } from '../support/eventually';
import { editObject } from '../support/workloads';
import { adminClient, configMap, recordCalls, uniqueName } from './helpers';

const [, west] = inject('clusters');

describe('the apply memo', () => {
  const client = adminClient(west);
  const live = new ClusterLiveCache(client, { clock: systemClock });
  const engine = new SyncEngine(client, { live });
  const namespace = uniqueName('eng-memo');
  const target = { application: 'memo', cluster: west.name, namespace };
  const ref: ObjectRef = { group: '', version: 'v1', kind: 'ConfigMap', namespace, name: 'settings' };
  afterAll(async () => {
    await live.stop();
  });

  it('plans an object edited since Flotilla applied it, or changed in git since, as configured, not unchanged', async () => {
    await live.use('memo', [ref]);
    const first = await engine.sync({ target, objects: [configMap('settings', { mode: 'git' })] });
    expect(first.counts).toMatchObject({ failed: 0 });
    const inventory: Inventory = first.inventory;
    const applied = (await client.get('v1', 'ConfigMap', 'settings', namespace))!.metadata.resourceVersion;
    await eventually(
      'the apply seen by the watch',
      async () => (await live.get(ref))?.metadata.resourceVersion,
      (rv) => rv === applied,
      10_000,
      50,
    );
    expect(live.remembered(ref), 'the apply was remembered').toBeDefined();

    // the memo is in use: unchanged without a dry run
    const calls = recordCalls(client);
    const idle = await engine.plan({ target, objects: [configMap('settings', { mode: 'git' })], inventory, dryRun: true });
    expect(idle.changes.find((c) => c.ref.name === 'settings')).toMatchObject({ action: 'unchanged' });
    expect(calls.dryRuns, 'the memo spared the dry run').toBe(0);

    // edited by hand: the live resourceVersion moved on from the memo's
    const edited = await editObject(west, 'ConfigMap', namespace, 'settings', { data: { mode: 'edited' } });
    await eventually(
      'the edit seen by the watch',
      async () => (await live.get(ref))?.metadata.resourceVersion,
      (rv) => rv === edited.metadata.resourceVersion,
      10_000,
      50,
    );
    const afterEdit = await engine.plan({ target, objects: [configMap('settings', { mode: 'git' })], inventory, dryRun: true });
    expect(
      afterEdit.changes.find((c) => c.ref.name === 'settings'),
      'a hand edit since the apply',
    ).toMatchObject({ action: 'configured' });

    // healed: the memo is fresh again; then git changes, the live object does not
    const healed = await engine.sync({ target, objects: [configMap('settings', { mode: 'git' })], inventory });
    expect(healed.counts).toMatchObject({ configured: 1, failed: 0 });
    const reapplied = (await client.get('v1', 'ConfigMap', 'settings', namespace))!.metadata.resourceVersion;
    await eventually(
      'the heal seen by the watch',
      async () => (await live.get(ref))?.metadata.resourceVersion,
      (rv) => rv === reapplied,
      10_000,
      50,
    );
    const gitChanged = await engine.plan({ target, objects: [configMap('settings', { mode: 'git-2' })], inventory, dryRun: true });
    expect(
      gitChanged.changes.find((c) => c.ref.name === 'settings'),
      'a git change since the apply',
    ).toMatchObject({ action: 'configured' });
  }, 60_000);
});
