import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import { clusterRequest, issueClientCertificate } from './cluster';
import { request } from 'node:https';

const [east, west] = inject('clusters');

describe('the multi-cluster test bed', () => {
  it('runs clusters that are independent of each other', async () => {
    const name = `indep-${randomBytes(4).toString('hex')}`;
    const created = await clusterRequest(east, east.adminToken, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    expect(created.status).toBe(201);
    expect((await clusterRequest(east, east.adminToken, 'GET', `/api/v1/namespaces/${name}`)).status).toBe(200);
    expect((await clusterRequest(west, west.adminToken, 'GET', `/api/v1/namespaces/${name}`)).status).toBe(404);
    expect(east.server).not.toBe(west.server);
    expect(east.caData).not.toBe(west.caData);
  });

  it('reports the pinned Kubernetes version', async () => {
    const res = await clusterRequest(east, east.adminToken, 'GET', '/version');
    expect(res.body.gitVersion).toBe('v1.34.4');
  });

  it('accepts the admin token everywhere', async () => {
    const res = await clusterRequest(east, east.adminToken, 'GET', '/api/v1/namespaces/kube-system/configmaps');
    expect(res.status).toBe(200);
  });

  it('lets the limited token work in its namespace only (403 outside)', async () => {
    const inside = await clusterRequest(east, east.limitedToken, 'POST', `/api/v1/namespaces/${east.limitedNamespace}/configmaps`, {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `ok-${randomBytes(3).toString('hex')}` }, data: { a: '1' },
    });
    expect(inside.status).toBe(201);
    const outside = await clusterRequest(east, east.limitedToken, 'GET', '/api/v1/namespaces/default/configmaps');
    expect(outside.status).toBe(403);
    expect(outside.body.message).toContain('User "limited-user" cannot list resource "configmaps"');
  });

  it('answers 401 to a wrong token, and to one cluster\'s token on another cluster', async () => {
    expect((await clusterRequest(east, 'not-a-valid-token', 'GET', '/api/v1/namespaces')).status).toBe(401);
    expect((await clusterRequest(west, east.adminToken, 'GET', '/api/v1/namespaces')).status).toBe(401);
  });

  it('issues client certificates that authenticate as the given user and groups', async () => {
    const cert = issueClientCertificate(east, 'cert-user', ['system:masters']);
    const status = await new Promise<number>((done, fail) => {
      const req = request(new URL('/api/v1/namespaces', east.server), {
        ca: Buffer.from(east.caData, 'base64'),
        cert: Buffer.from(cert.certData, 'base64'),
        key: Buffer.from(cert.keyData, 'base64'),
      }, (res) => { res.resume(); done(res.statusCode ?? 0); });
      req.on('error', fail);
      req.end();
    });
    expect(status).toBe(200);
    const nobody = issueClientCertificate(east, 'cert-nobody');
    const review = await clusterRequest(east, east.adminToken, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
      spec: { user: 'cert-nobody', resourceAttributes: { verb: 'list', resource: 'namespaces' } },
    });
    expect(nobody.certData).not.toBe(cert.certData);
    expect(review.body.status.allowed).toBe(false);
  });
});
