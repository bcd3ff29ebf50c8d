import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { PlainManifestRenderer, RenderError, SyncEngine } from '../../src/engine';
import { adminClient, configMap, limitedClient, uniqueName, writeTree } from './helpers';

const [east] = inject('clusters');

describe('sync engine: access and render errors', () => {
  it('gives the limited token a clear 403 naming verb, resource and namespace when it applies outside its namespace', async () => {
    const engine = new SyncEngine(limitedClient(east));
    const outside = uniqueName();
    const result = await engine.sync({ target: { application: 'boxed', cluster: east.name, namespace: outside }, objects: [configMap('settings', { a: '1' })] });
    expect(result.ok).toBe(false);
    const entry = result.changes.find((c) => c.ref.name === 'settings')!;
    expect(entry.action).toBe('failed');
    expect(entry.message).toMatch(new RegExp(`^forbidden: cannot (get|patch) configmaps "settings" in namespace ${outside}`));

    // inside its namespace the same token works
    const inside = await engine.sync({
      target: { application: 'boxed', cluster: east.name, namespace: east.limitedNamespace },
      objects: [configMap(uniqueName('settings'), { a: '1' })],
    });
    expect(inside.counts).toMatchObject({ created: 1, failed: 0 });
  });

  it('names file and line of invalid YAML (apps/x/b.yaml:7) and nothing is applied', async () => {
    const namespace = uniqueName();
    const root = writeTree({
      'apps/x/a.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\ndata:\n  a: "1"\n`,
      'apps/x/b.yaml': ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: second', 'data:', '  good: "yes"', '  url: http://x: y', '  next: "1"', ''].join('\n'),
    });
    const renderer = new PlainManifestRenderer();
    const error = await renderer.render(root, 'apps/x', { application: 'x', cluster: east.name, namespace }).catch((e) => e);
    expect(error).toBeInstanceOf(RenderError);
    expect(error.file).toBe('apps/x/b.yaml');
    expect(error.line).toBe(7);
    expect(error.message).toMatch(/^apps\/x\/b\.yaml:7: invalid YAML/);
    // the run stops at render: the namespace and a.yaml's object never reach the cluster
    const client = adminClient(east);
    expect(await client.get('v1', 'Namespace', namespace)).toBeUndefined();
  });

  it('follows symlinks that stay inside the repository, reading a directory reached twice once', async () => {
    const root = writeTree({
      'base/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: shared }\n',
      'apps/z/own.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: own }\n',
    });
    symlinkSync('../../base', join(root, 'apps/z/base'));
    symlinkSync('.', join(root, 'apps/z/self'));
    const objects = await new PlainManifestRenderer().render(root, 'apps/z', { application: 'z', cluster: east.name, namespace: 'n' });
    expect(objects.map((o) => [o.source.file, o.object.metadata.name])).toEqual([
      ['apps/z/base/config.yaml', 'shared'],
      ['apps/z/own.yaml', 'own'],
    ]);
  });

  it('refuses a symlink that leaves the repository and a path with ..', async () => {
    const root = writeTree({ 'apps/y/ok.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ok }\n' });
    symlinkSync('/etc', join(root, 'apps/y/escape'));
    const renderer = new PlainManifestRenderer();
    await expect(renderer.render(root, 'apps/y', { application: 'y', cluster: east.name, namespace: 'n' })).rejects.toThrow(/apps\/y\/escape: symlink leaves the repository/);
    await expect(renderer.render(root, '../..', { application: 'y', cluster: east.name, namespace: 'n' })).rejects.toThrow(/path leaves the repository/);
  });
});
