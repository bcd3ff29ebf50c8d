// What a target runs (the tree by ownerReferences, read from the cluster) and the live event
// stream the web UI and `--wait` follow.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { GitHttpServer } from '../support/git-server';
import { clusterRequest } from '../testbed/cluster';
import { clusterBody, configMapYaml, deploymentYaml, editObject, SYNC_ENV, waitForTargets } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'tree-events-test-admin-token-0123456789';
const NS = 'te-web';

describe('target trees and live events', () => {
  let server: GitHttpServer;
  let running: RunningApp;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await GitHttpServer.start();
    const repo = await server.createRepository('te');
    await repo.commit({ 'app/deploy.yaml': deploymentYaml('te-web'), 'app/settings.yaml': configMapYaml('te-settings', { a: '1' }) });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    admin = apiClient(running.baseUrl, ADMIN);
    expect((await admin.post('/api/v1/clusters', clusterBody('te-east', east))).status).toBe(201);
    expect((await admin.post('/api/v1/repositories', { name: 'te', url: server.url('te'), pollIntervalSeconds: 3600 })).status).toBe(201);
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
  });

  it('streams target and run changes of an application as server-sent events', async () => {
    const abort = new AbortController();
    const res = await fetch(`${running.baseUrl}/api/v1/events?application=te-app`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events: Array<{ event: string; data: any }> = [];
    const reading = (async () => {
      const reader = res.body!.getReader();
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    })().catch(() => undefined);
    const created = await admin.post('/api/v1/applications', { name: 'te-app', repository: 'te', path: 'app', destinations: [{ cluster: 'te-east', namespace: NS }] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await waitForTargets(admin, 'te-app', [`te-east/${NS}`], (t) => t.lastSyncRun?.phase === 'Succeeded', 'synced');
    await new Promise((r) => setTimeout(r, 300));
    abort.abort();
    await reading;
    const kinds = events.map((e) => `${e.event}:${e.data.phase ?? e.data.change ?? e.data.sync ?? ''}`);
    expect(kinds).toContain('application:created');
    expect(kinds).toContain('run:Running');
    expect(kinds).toContain('run:Succeeded');
    expect(events.some((e) => e.event === 'target' && e.data.sync === 'Synced' && e.data.cluster === 'te-east' && e.data.namespace === NS)).toBe(true);
    // filtered: nothing of other applications, and never a secret-looking field
    expect(events.every((e) => e.data.application === 'te-app')).toBe(true);
  }, 60_000);

  it('shows the Deployment with its ReplicaSet and Pods, read from the cluster, and one object live', async () => {
    await waitForTargets(admin, 'te-app', [`te-east/${NS}`], (t) => t.sync === 'Synced', 'synced');
    const deploy = (await clusterRequest(east, east.adminToken, 'GET', `/apis/apps/v1/namespaces/${NS}/deployments/te-web`)).body;
    // what the deployment and replicaset controllers would create
    const rs = await clusterRequest(east, east.adminToken, 'POST', `/apis/apps/v1/namespaces/${NS}/replicasets`, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'te-web-abc12',
        labels: { app: 'te-web' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'te-web', uid: deploy.metadata.uid, controller: true }],
      },
      spec: { replicas: 1, selector: { matchLabels: { app: 'te-web' } }, template: deploy.spec.template },
    });
    expect(rs.status, JSON.stringify(rs.body)).toBe(201);
    for (const pod of ['te-web-abc12-x1', 'te-web-abc12-x2']) {
      const created = await clusterRequest(east, east.adminToken, 'POST', `/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: pod,
          labels: { app: 'te-web' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'te-web-abc12', uid: rs.body.metadata.uid, controller: true }],
        },
        spec: deploy.spec.template.spec,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    const tree = await admin.get(`/api/v1/applications/te-app/targets/te-east/${NS}/tree`);
    expect(tree.status, JSON.stringify(tree.body)).toBe(200);
    const d = tree.body.nodes.find((n: any) => n.kind === 'Deployment');
    expect(d).toMatchObject({ name: 'te-web', applied: true, sync: 'Synced' });
    expect(d.children.map((c: any) => `${c.kind}/${c.name}`)).toEqual(['ReplicaSet/te-web-abc12']);
    expect(d.children[0].children.map((c: any) => `${c.kind}/${c.name}`)).toEqual(['Pod/te-web-abc12-x1', 'Pod/te-web-abc12-x2']);
    expect(d.children[0].children[0].health).toBe('Progressing');
    expect(tree.body.nodes.find((n: any) => n.kind === 'ConfigMap')).toMatchObject({ name: 'te-settings', health: 'Healthy', children: [] });

    const live = await admin.get(`/api/v1/applications/te-app/targets/te-east/${NS}/object?group=apps&version=v1&kind=Deployment&name=te-web&namespace=${NS}`);
    expect(live.status, JSON.stringify(live.body)).toBe(200);
    expect(live.body).toMatchObject({ kind: 'Deployment', metadata: { name: 'te-web', namespace: NS } });
    expect(live.body.metadata.managedFields).toBeUndefined();
    const other = await admin.get(`/api/v1/applications/te-app/targets/te-east/${NS}/object?version=v1&kind=Secret&name=anything&namespace=kube-system`);
    expect(other.status).toBe(400);
    expect((await admin.get(`/api/v1/applications/te-app/targets/te-east/nowhere/tree`)).status).toBe(404);
    await editObject(east, 'ConfigMap', NS, 'te-settings', { data: { a: '2' } });
  }, 60_000);
});
