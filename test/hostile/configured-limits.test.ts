// The render budgets and export limits are configuration (render.*, git.export*), and a render or
// an export over one fails its target with a message naming the key that raises it — for plain
// manifests, kustomize and helm output alike — while applications within the limits sync.
// Names and namespaces on the shared clusters all start with `lim-`.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { GitHttpServer } from '../support/git-server';
import { clusterBody, getObject, SYNC_ENV, waitForTargets } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'lim-limits-admin-token-0123456789abc';
const POLICY = { automated: true, prune: true, intervalSeconds: 2 };

const cms = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${prefix}-${i}\ndata:\n  i: "${i}"\n`).join('---\n');

describe('configured render budgets and export limits', () => {
  let server: GitHttpServer;
  let running: RunningApp;
  let api: ApiClient;

  beforeAll(async () => {
    server = await GitHttpServer.start();
    // six files: within git.exportMaxFiles
    const objects = await server.createRepository('lim-objects');
    await objects.commit({
      'lim/small/cm.yaml': cms('lim-small', 3),
      'lim/plain/cms.yaml': cms('lim-plain', 5),
      'lim/kust/kustomization.yaml': 'resources:\n- cms.yaml\n',
      'lim/kust/cms.yaml': cms('lim-kust', 5),
      'lim/chart/Chart.yaml': 'apiVersion: v2\nname: lim-chart\nversion: 0.1.0\n',
      'lim/chart/templates/cms.yaml': '{{- range until 5 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lim-helm-{{ . }}\n{{- end }}\n',
    });
    // eight files: one commit over git.exportMaxFiles
    const many = await server.createRepository('lim-many');
    await many.commit(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`many/cm-${i}.yaml`, cms(`lim-many-${i}`, 1)])));

    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV, FLOTILLA_RENDER__MAX_OBJECTS: '3', FLOTILLA_GIT__EXPORT_MAX_FILES: '6' });
    api = apiClient(running.baseUrl, ADMIN);
    expect((await api.post('/api/v1/clusters', clusterBody('east', east))).status).toBe(201);
    for (const name of ['lim-objects', 'lim-many']) {
      const res = await api.post('/api/v1/repositories', { name, url: server.url(name), pollIntervalSeconds: 3600 });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
  });

  const create = async (name: string, repository: string, path: string) => {
    const res = await api.post('/api/v1/applications', { name, repository, path, destinations: [{ cluster: 'east', namespace: name }], syncPolicy: POLICY });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  };

  it('fails a render over render.maxObjects, naming the file and the key, for plain, kustomize and helm; syncs one within it', async () => {
    await create('lim-small', 'lim-objects', 'lim/small');
    await create('lim-plain', 'lim-objects', 'lim/plain');
    await create('lim-kust', 'lim-objects', 'lim/kust');
    await create('lim-helm', 'lim-objects', 'lim/chart');
    await waitForTargets(api, 'lim-small', ['east/lim-small'], (t) => t.sync === 'Synced', 'lim-small synced');
    expect(await getObject(east, 'ConfigMap', 'lim-small', 'lim-small-2')).not.toBeNull();
    for (const [app, file] of [
      ['lim-plain', 'lim/plain/cms.yaml'],
      ['lim-kust', 'lim/kust/kustomization.yaml'],
      ['lim-helm', 'lim/chart/templates/cms.yaml'],
    ]) {
      const status = await waitForTargets(api, app, [`east/${app}`], (t) => t.sync === 'Unknown' && /more than/.test(t.message ?? ''), `${app} refused`);
      const message: string = status.status.targets[0].message;
      expect(message, app).toContain(file);
      expect(message, app).toContain('the render has more than 3 objects (render.maxObjects)');
      expect(await getObject(east, 'ConfigMap', app, `${app === 'lim-helm' ? 'lim-helm' : app}-0`), app).toBeNull();
    }
  }, 120_000);

  it('refuses a commit over git.exportMaxFiles, naming the key', async () => {
    await create('lim-many', 'lim-many', 'many');
    const status = await waitForTargets(api, 'lim-many', ['east/lim-many'], (t) => t.sync === 'Unknown' && /more than/.test(t.message ?? ''), 'lim-many refused');
    expect(status.status.targets[0].message).toMatch(/^commit [0-9a-f]{12} cannot be exported: it has more than 6 files \(git\.exportMaxFiles\)$/);
    expect(await getObject(east, 'ConfigMap', 'lim-many', 'lim-many-0-0')).toBeNull();
  }, 60_000);
});
