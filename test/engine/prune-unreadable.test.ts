// A prune candidate that cannot be read is not a prune candidate that is gone: a read answered
// with a 500, or a connection dropped mid-read, must fail that prune step and keep the object in
// the inventory (so the next sync tries again), never drop it from the inventory as deleted —
// that would orphan the object for good — and never delete anything on its account.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SyncEngine, type Inventory } from '../../src/engine';
import { KubeClient } from '../../src/kube';
import { FailingApiServerProxy, type ReadFailure } from '../support/failing-api-server-proxy';
import { adminClient, configMap, uniqueName } from './helpers';

const [, west] = inject('clusters');

describe('prune of an object it cannot read', () => {
  const direct = adminClient(west);
  let proxy: FailingApiServerProxy;
  let engine: SyncEngine;

  beforeAll(async () => {
    proxy = await FailingApiServerProxy.start(west);
    engine = new SyncEngine(KubeClient.fromCredentials({ server: proxy.url, caData: west.caData, token: west.adminToken }, { timeoutMs: 5_000 }));
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it.each<ReadFailure>(['status-500', 'dropped-connection'])(
    'fails the prune step and keeps the object in the inventory when its read fails (%s), deleting nothing',
    async (how) => {
      const namespace = uniqueName('eng-prune-unreadable');
      const target = { application: 'unreadable', cluster: west.name, namespace };
      const first = await engine.sync({ target, objects: [configMap('kept', { a: '1' }), configMap('removed', { b: '2' })], prune: true });
      expect(first.counts).toMatchObject({ failed: 0 });
      const inventory: Inventory = first.inventory;
      expect(inventory.map((r) => r.name).sort()).toEqual(['kept', 'removed']);

      // removed from git; its read now fails
      proxy.failReads(`/api/v1/namespaces/${namespace}/configmaps/removed`, how);
      proxy.requests.length = 0;
      try {
        const second = await engine.sync({ target, objects: [configMap('kept', { a: '1' })], inventory, prune: true });
        const step = second.changes.find((ch) => ch.ref.name === 'removed');
        expect(step, JSON.stringify(second.changes)).toMatchObject({ action: 'failed' });
        expect(step!.message).toMatch(/^prune/);
        expect(second.counts).toMatchObject({ pruned: 0, failed: 1 });
        expect(second.inventory.map((r) => r.name).sort(), 'the unread object stays in the inventory').toEqual(['kept', 'removed']);
        expect(
          proxy.requests.filter((r) => r.startsWith('DELETE')),
          'nothing was deleted',
        ).toEqual([]);
      } finally {
        proxy.heal();
      }
      expect((await direct.get('v1', 'ConfigMap', 'removed', namespace))?.data).toEqual({ b: '2' });

      // once it can be read again, it is pruned as it should have been
      const third = await engine.sync({ target, objects: [configMap('kept', { a: '1' })], inventory: first.inventory, prune: true });
      expect(third.changes.find((ch) => ch.ref.name === 'removed')).toMatchObject({ action: 'pruned' });
      expect(await direct.get('v1', 'ConfigMap', 'removed', namespace)).toBeUndefined();
    },
    60_000,
  );
});
