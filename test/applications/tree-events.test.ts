// What a target runs (the tree by ownerReferences, read from the cluster, with the Services linked
// to the Pods they select and the Ingresses to the Services they route to) and the live event
// stream the web UI and `--wait` follow.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { GitHttpServer } from '../support/git-server';
import { clusterRequest } from '../testbed/cluster';
import { clusterBody, configMapYaml, createReplicaSetAndPods, deploymentYaml, editObject, serviceYaml, SYNC_ENV, waitForTargets } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'tree-events-test-admin-token-0123456789';
const NS = 'te-web';
/** a Service whose selector no Pod of the tree satisfies (one pair matches, the other does not) */
const NARROW_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: te-narrow
spec:
  selector:
    app: te-web
    tier: canary
  ports:
  - port: 80
`;
/** routes to te-web by a rule, to te-narrow by default, and to a Service that does not exist */
const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: te-ingress
spec:
  defaultBackend:
    service:
      name: te-narrow
      port:
        number: 80
  rules:
  - host: te.example
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: te-web
            port:
              number: 80
      - path: /old
        pathType: Prefix
        backend:
          service:
            name: te-gone
            port:
              number: 80
`;

describe('target trees and live events', () => {
  let server: GitHttpServer;
  let running: RunningApp;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await GitHttpServer.start();
    const repo = await server.createRepository('te');
    await repo.commit({
      'app/deploy.yaml': deploymentYaml('te-web'),
      'app/settings.yaml': configMapYaml('te-settings', { a: '1' }),
      'app/service.yaml': `${serviceYaml('te-web')}---\n${NARROW_SERVICE}`,
      'app/ingress.yaml': INGRESS,
    });
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
    await createReplicaSetAndPods(east, NS, 'te-web', 'te-web-abc12', ['te-web-abc12-x1', 'te-web-abc12-x2'], 1);
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

  it("links each Service to the tree's Pods its selector matches and the Ingress to the Services it names", async () => {
    // a Pod with the Service's labels that nothing applied owns: not in the tree, so not linked
    const stray = await clusterRequest(east, east.adminToken, 'POST', `/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'te-stray', labels: { app: 'te-web', tier: 'canary' } },
      spec: { containers: [{ name: 'main', image: 'registry.example/web:1.0' }] },
    });
    expect(stray.status, JSON.stringify(stray.body)).toBe(201);
    // past the tree's few seconds of cache
    await new Promise((r) => setTimeout(r, 3_100));
    const tree = await admin.get(`/api/v1/applications/te-app/targets/te-east/${NS}/tree`);
    expect(tree.status, JSON.stringify(tree.body)).toBe(200);
    const kinds = tree.body.nodes.map((n: any) => `${n.kind}/${n.name}`).sort();
    expect(kinds).toEqual(['ConfigMap/te-settings', 'Deployment/te-web', 'Ingress/te-ingress', 'Service/te-narrow', 'Service/te-web']);
    expect(tree.body.links).toEqual([
      { from: `/Service/${NS}/te-web`, to: `/Pod/${NS}/te-web-abc12-x1`, kind: 'selects' },
      { from: `/Service/${NS}/te-web`, to: `/Pod/${NS}/te-web-abc12-x2`, kind: 'selects' },
      { from: `networking.k8s.io/Ingress/${NS}/te-ingress`, to: `/Service/${NS}/te-narrow`, kind: 'routes' },
      { from: `networking.k8s.io/Ingress/${NS}/te-ingress`, to: `/Service/${NS}/te-web`, kind: 'routes' },
    ]);
    // every end of a link is a node of the tree, by the same key the nodes' fields make
    const keys = new Set<string>();
    const walk = (n: any) => (keys.add(`${n.group}/${n.kind}/${n.namespace ?? ''}/${n.name}`), n.children.forEach(walk));
    tree.body.nodes.forEach(walk);
    for (const l of tree.body.links) expect([keys.has(l.from), keys.has(l.to)], JSON.stringify(l)).toEqual([true, true]);

    // a Pod relabelled away from the selector loses its link
    const relabel = await clusterRequest(
      east,
      east.adminToken,
      'PATCH',
      `/api/v1/namespaces/${NS}/pods/te-web-abc12-x2`,
      { metadata: { labels: { app: 'te-other' } } },
      'application/merge-patch+json',
    );
    expect(relabel.status, JSON.stringify(relabel.body)).toBe(200);
    await new Promise((r) => setTimeout(r, 3_100));
    const after = await admin.get(`/api/v1/applications/te-app/targets/te-east/${NS}/tree`);
    expect(after.body.links.filter((l: any) => l.kind === 'selects').map((l: any) => l.to)).toEqual([`/Pod/${NS}/te-web-abc12-x1`]);
  }, 60_000);
});
