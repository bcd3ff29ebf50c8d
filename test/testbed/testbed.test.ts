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
    for (const c of [east, west]) {
      const res = await clusterRequest(c, c.adminToken, 'GET', '/api/v1/namespaces/kube-system/configmaps');
      expect(res.status, c.name).toBe(200);
      expect(res.body.kind).toBe('ConfigMapList');
      const review = await clusterRequest(c, c.adminToken, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb: '*', group: '*', resource: '*' } },
      });
      expect(review.body.status.allowed, c.name).toBe(true);
    }
  });

  it('lets the limited token work in its namespace only (403 outside)', async () => {
    const inside = await clusterRequest(east, east.limitedToken, 'POST', `/api/v1/namespaces/${east.limitedNamespace}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `ok-${randomBytes(3).toString('hex')}` },
      data: { a: '1' },
    });
    expect(inside.status).toBe(201);
    const outside = await clusterRequest(east, east.limitedToken, 'GET', '/api/v1/namespaces/default/configmaps');
    expect(outside.status).toBe(403);
    expect(outside.body.message).toContain('User "limited-user" cannot list resource "configmaps"');
  });

  it("answers 401 to a wrong token, and to one cluster's token on another cluster", async () => {
    expect((await clusterRequest(east, 'not-a-valid-token', 'GET', '/api/v1/namespaces')).status).toBe(401);
    expect((await clusterRequest(west, east.adminToken, 'GET', '/api/v1/namespaces')).status).toBe(401);
  });

  it('issues client certificates that authenticate as the given user and groups', async () => {
    /** One call to east authenticated by a client certificate only. */
    const withCertificate = (cert: { certData: string; keyData: string }, method: string, path: string, body?: unknown) =>
      new Promise<{ status: number; body: any }>((done, fail) => {
        const req = request(
          new URL(path, east.server),
          {
            method,
            ca: Buffer.from(east.caData, 'base64'),
            cert: Buffer.from(cert.certData, 'base64'),
            key: Buffer.from(cert.keyData, 'base64'),
            headers: { accept: 'application/json', 'content-type': 'application/json' },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => done({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
          },
        );
        req.on('error', fail);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      });
    const whoAmI = async (cert: { certData: string; keyData: string }) => {
      const review = await withCertificate(cert, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
      });
      expect(review.status).toBe(201);
      return review.body.status.userInfo as { username: string; groups: string[] };
    };

    const admin = issueClientCertificate(east, 'cert-user', ['system:masters', 'team-a']);
    expect(await whoAmI(admin)).toMatchObject({ username: 'cert-user', groups: ['system:masters', 'team-a', 'system:authenticated'] });
    expect((await withCertificate(admin, 'GET', '/api/v1/namespaces')).status).toBe(200);

    const nobody = issueClientCertificate(east, 'cert-nobody');
    expect(await whoAmI(nobody)).toMatchObject({ username: 'cert-nobody', groups: ['system:authenticated'] });
    const refused = await withCertificate(nobody, 'GET', '/api/v1/namespaces');
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('User "cert-nobody" cannot list resource "namespaces"');
  });
});
