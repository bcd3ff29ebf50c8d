import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ClusterUnreachableError, CredentialsError, KubeApiError, KubeClient, TlsVerificationError, UnknownKindError } from '../../src/kube';
import { issueClientCertificate, kubeconfigYaml } from '../testbed/cluster';

const [east, west] = inject('clusters');

describe('KubeClient against a real API server', () => {
  it('reads the server version with token credentials and with a kubeconfig', async () => {
    const byToken = KubeClient.fromCredentials({ server: east.server, caData: east.caData, token: east.adminToken });
    const byKubeconfig = KubeClient.fromKubeconfig(kubeconfigYaml(west, west.adminToken));
    expect((await byToken.version()).gitVersion).toMatch(/^v1\.34\./);
    expect((await byKubeconfig.version()).gitVersion).toMatch(/^v1\.34\./);
    expect(byKubeconfig.server).toBe(west.server);
  });

  it('authenticates with a client certificate signed by the cluster client CA', async () => {
    const { certData, keyData } = issueClientCertificate(east, 'flotilla-cert-user', ['system:masters']);
    const byCert = KubeClient.fromCredentials({ server: east.server, caData: east.caData, certData, keyData });
    expect((await byCert.get('v1', 'Namespace', 'default'))!.metadata.name).toBe('default');
    expect(() => KubeClient.fromCredentials({ server: east.server, certData })).toThrow(/both certData and keyData/);
  });

  it('refuses kubeconfigs with exec plugins, auth providers or file references', () => {
    const withExec = kubeconfigYaml(east, 'x').replace('    token: x', '    exec:\n      command: aws\n      apiVersion: client.authentication.k8s.io/v1');
    expect(() => KubeClient.fromKubeconfig(withExec)).toThrow(CredentialsError);
    expect(() => KubeClient.fromKubeconfig(withExec)).toThrow(/exec plugin \(aws\)/);
    const withProvider = kubeconfigYaml(east, 'x').replace('    token: x', '    auth-provider:\n      name: gcp');
    expect(() => KubeClient.fromKubeconfig(withProvider)).toThrow(/auth-provider "gcp"/);
    const withTokenFile = kubeconfigYaml(east, 'x').replace('    token: x', '    token-file: /etc/passwd');
    expect(() => KubeClient.fromKubeconfig(withTokenFile)).toThrow(/token-file/);
    expect(() => KubeClient.fromKubeconfig(kubeconfigYaml(east, 'x'), 'nope')).toThrow(/no context "nope"/);
  });

  it('says which verb on which resource in which namespace was forbidden', async () => {
    const limited = KubeClient.fromCredentials({ server: east.server, caData: east.caData, token: east.limitedToken });
    const err = await limited.get('v1', 'ConfigMap', 'anything', 'default').catch((e) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/^forbidden: cannot get configmaps "anything" in namespace default/);
    expect(await limited.canI('create', 'configmaps', { namespace: 'limited' })).toMatchObject({ allowed: true });
    expect(await limited.canI('create', 'configmaps', { namespace: 'default' })).toMatchObject({ allowed: false });
  });

  it('names a kind the cluster does not serve as a missing CRD', async () => {
    const admin = KubeClient.fromCredentials({ server: east.server, caData: east.caData, token: east.adminToken });
    const err = await admin.get('example.com/v1', 'Widget', 'w', 'default').catch((e) => e);
    expect(err).toBeInstanceOf(UnknownKindError);
    expect(err.message).toBe('no kind Widget in example.com/v1 — is its CRD installed?');
    const err2 = await admin.get('v1', 'Gadget', 'w', 'default').catch((e) => e);
    expect(err2.message).toBe('no kind Gadget in v1 — is its CRD installed?');
  });

  it('recognises a certificate that does not verify and a cluster that is not there', async () => {
    const wrongCa = KubeClient.fromCredentials({ server: east.server, caData: west.caData, token: east.adminToken });
    const tls = await wrongCa.version().catch((e) => e);
    expect(tls).toBeInstanceOf(TlsVerificationError);
    expect(tls.message).toMatch(/certificate verification failed/);
    const insecure = KubeClient.fromCredentials({ server: east.server, insecureSkipVerify: true, token: east.adminToken });
    expect((await insecure.version()).major).toBe('1');

    const port = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });
    const down = KubeClient.fromCredentials({ server: `https://127.0.0.1:${port}`, caData: east.caData, token: 'x' });
    const unreachable = await down.version().catch((e) => e);
    expect(unreachable).toBeInstanceOf(ClusterUnreachableError);
    expect(unreachable.code).toBe('ECONNREFUSED');
  });

  it('reports rejected credentials as 401', async () => {
    const bad = KubeClient.fromCredentials({ server: east.server, caData: east.caData, token: randomBytes(8).toString('hex') });
    const err = await bad.get('v1', 'Namespace', 'default').catch((e) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err.status).toBe(401);
  });
});
