import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ClusterCredentials, transportFromCredentials } from './credentials';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const root = resolve(__dirname, '../..');

/** What @kubernetes/client-node makes of the same credentials for a request. */
async function libraryOptions(c: ClusterCredentials): Promise<Record<string, any>> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'c', server: c.server, caData: c.caData, skipTLSVerify: c.insecureSkipVerify === true },
    { name: 'u', token: c.token, certData: c.certData, keyData: c.keyData },
  );
  const opts: Record<string, any> = {};
  await kc.applyToHTTPSOptions(opts);
  return opts;
}

describe('transportFromCredentials', () => {
  const cases: Array<[string, ClusterCredentials]> = [
    ['a bearer token and a CA', { server: 'https://10.0.0.1:6443/', caData: b64('-----CA-----'), token: 'abc.def' }],
    ['a client certificate and a CA', { server: 'https://k8s.example:443', caData: b64('-----CA-----'), certData: b64('-----CERT-----'), keyData: b64('-----KEY-----') }],
    ['a token, no CA, certificate checks off', { server: 'https://k8s.example', token: 't', insecureSkipVerify: true }],
  ];

  it.each(cases)('makes the TLS options and header @kubernetes/client-node makes, for %s', async (_what, creds) => {
    const lib = await libraryOptions(creds);
    const ours = transportFromCredentials(creds);
    expect(ours.server).toBe(creds.server.replace(/\/$/, ''));
    expect(ours.ca).toEqual(lib.ca);
    expect(ours.cert).toEqual(lib.cert);
    expect(ours.key).toEqual(lib.key);
    expect(ours.rejectUnauthorized).toBe(lib.rejectUnauthorized !== false);
    expect(ours.headers.Authorization).toBe(lib.headers?.Authorization);
  });

  it('refuses what the library would also have to refuse, naming the problem', () => {
    expect(() => transportFromCredentials({ server: 'not a url' })).toThrow('server is not a valid URL');
    expect(() => transportFromCredentials({ server: 'ftp://x' })).toThrow('server must be an https:// URL');
    expect(() => transportFromCredentials({ server: 'https://x', token: 't', certData: 'a', keyData: 'b' })).toThrow('not both');
    expect(() => transportFromCredentials({ server: 'https://x', certData: 'a' })).toThrow('needs both certData and keyData');
  });
});

describe('the service and @kubernetes/client-node', () => {
  it('loads the whole service module graph and talks to a cluster without loading the library (issue 19)', () => {
    // a fresh process: the test runner itself may have loaded the library for the test above
    const script = `
      const Module = require('node:module');
      const load = Module._load;
      const loaded = [];
      Module._load = function (request) {
        if (/^@kubernetes\\/client-node(\\/|$)/.test(request)) loaded.push(request);
        return load.apply(this, arguments);
      };
      require('reflect-metadata');
      require('./src/app.module');
      const { KubeClient } = require('./src/kube');
      const client = KubeClient.fromCredentials({ server: 'https://127.0.0.1:1', token: 't' });
      KubeClient.fromKubeconfig('apiVersion: v1\\nkind: Config\\ncurrent-context: c\\ncontexts: [{name: c, context: {cluster: k, user: u}}]\\nclusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]\\nusers: [{name: u, user: {token: t}}]\\n');
      console.log(JSON.stringify({ loaded, client: typeof client }));
    `;
    const out = execFileSync(process.execPath, ['--require', createRequire(__filename).resolve('@swc-node/register'), '-e', script], {
      cwd: root,
      env: { ...process.env, SWC_NODE_PROJECT: resolve(root, 'tsconfig.json') },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ loaded: [], client: 'object' });
  }, 150_000);
});
