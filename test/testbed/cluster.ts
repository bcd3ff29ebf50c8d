// A multi-cluster test bed: real etcd + kube-apiserver processes on loopback, the envtest
// approach of controller-runtime and Flux. One etcd serves every cluster, each under its own
// key prefix; every cluster has its own API server, port, serving CA, client CA, static tokens
// and RBAC, so they are as independent as separate clusters are.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/ports';
import { createCertificateAuthority, createSigningKey, issueCertificate, toBase64 } from './pki';

/** What a test needs to reach one cluster. Plain data: it crosses worker boundaries. */
export interface TestCluster {
  name: string;
  server: string;
  /** base64 of the serving CA's PEM */
  caData: string;
  adminToken: string;
  /** may only touch `limitedNamespace` */
  limitedToken: string;
  limitedNamespace: string;
  kubeconfigPath: string;
  /** the cluster's working directory (PKI, logs) */
  dir: string;
  kubectl: string;
}

export interface TestBedOptions {
  names: string[];
  /** where to keep everything; a temporary directory (removed at stop) when absent */
  dir?: string;
}

const LIMITED_NAMESPACE = 'limited';
const LIMITED_USER = 'limited-user';

export function binariesDir(): string {
  if (process.env.FLOTILLA_TESTBED_BIN) return process.env.FLOTILLA_TESTBED_BIN;
  const script = resolve(__dirname, 'binaries.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One HTTPS call to a test cluster as some token; JSON in and out. */
export function clusterRequest(
  cluster: Pick<TestCluster, 'server' | 'caData'>,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: any }> {
  const url = new URL(path, cluster.server);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((done, fail) => {
    const req = request(
      url,
      {
        method,
        ca: Buffer.from(cluster.caData, 'base64'),
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          accept: 'application/json',
          ...(payload !== undefined ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON (e.g. /readyz) */
          }
          done({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url.toString()}`)));
    req.on('error', fail);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** A client certificate for `user` in `groups`, signed by that cluster's client CA. */
export function issueClientCertificate(cluster: TestCluster, user: string, groups: string[] = []): { certData: string; keyData: string } {
  const pki = join(cluster.dir, 'pki');
  const stem = `client-${user.replace(/[^a-zA-Z0-9-]/g, '_')}-${randomBytes(3).toString('hex')}`;
  const issued = issueCertificate(pki, clientCa(cluster), stem, { commonName: user, organizations: groups });
  return { certData: toBase64(issued.certPem), keyData: toBase64(issued.keyPem) };
}

/** The client CA's files, for tests that need to sign certificates themselves. */
export function clientCa(cluster: TestCluster): { cert: string; key: string } {
  const pki = join(cluster.dir, 'pki');
  return { cert: join(pki, 'client-ca.crt'), key: join(pki, 'client-ca.key') };
}

export function kubeconfigYaml(c: Pick<TestCluster, 'name' | 'server' | 'caData'>, token: string, user = 'admin'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${c.name}`,
    '  cluster:',
    `    server: ${c.server}`,
    `    certificate-authority-data: ${c.caData}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: ${c.name}`,
    '  context:',
    `    cluster: ${c.name}`,
    `    user: ${user}`,
    `current-context: ${c.name}`,
    '',
  ].join('\n');
}

interface Running {
  info: TestCluster;
  args: string[];
  proc?: ChildProcess;
}

export class TestBed {
  readonly clusters: TestCluster[] = [];
  private etcd?: ChildProcess;
  private readonly running = new Map<string, Running>();
  private readonly exitHook = () => this.killAll();

  private constructor(
    private readonly root: string,
    private readonly ownsRoot: boolean,
    private readonly bin: string,
  ) {}

  static async start(opts: TestBedOptions): Promise<TestBed> {
    const bin = binariesDir();
    const root = opts.dir ? resolve(opts.dir) : mkdtempSync(join(tmpdir(), 'flotilla-testbed-'));
    mkdirSync(root, { recursive: true });
    const bed = new TestBed(root, !opts.dir, bin);
    process.once('exit', bed.exitHook);
    try {
      await bed.startEtcd();
      await Promise.all(opts.names.map((n) => bed.addCluster(n)));
      for (const n of opts.names) bed.clusters.push(bed.running.get(n)!.info);
    } catch (e) {
      await bed.stop();
      throw e;
    }
    return bed;
  }

  get(name: string): TestCluster {
    const c = this.running.get(name);
    if (!c) throw new Error(`no test cluster ${name}`);
    return c.info;
  }

  private etcdUrl = '';

  private async startEtcd(): Promise<void> {
    const [client, peer] = [await freePort(), await freePort()];
    const dir = join(this.root, 'etcd');
    mkdirSync(dir, { recursive: true });
    this.etcdUrl = `http://127.0.0.1:${client}`;
    this.etcd = this.spawnLogged(
      join(this.bin, 'etcd'),
      [
        `--data-dir=${join(dir, 'data')}`,
        `--listen-client-urls=${this.etcdUrl}`,
        `--advertise-client-urls=${this.etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=default=http://127.0.0.1:${peer}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      join(dir, 'etcd.log'),
    );
    await this.waitFor('etcd', this.etcd, async () => {
      const res = await fetch(`${this.etcdUrl}/health`).catch(() => undefined);
      return res?.ok === true;
    });
  }

  /** Adds and starts one more cluster on the shared etcd. */
  async addCluster(name: string): Promise<TestCluster> {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new Error(`bad cluster name ${name}`);
    const dir = join(this.root, name);
    const pki = join(dir, 'pki');
    mkdirSync(pki, { recursive: true });
    const port = await freePort();
    const servingCa = createCertificateAuthority(pki, 'serving-ca');
    const serving = issueCertificate(pki, servingCa, 'apiserver', { commonName: 'kube-apiserver', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
    createCertificateAuthority(pki, 'client-ca');
    const sa = createSigningKey(pki, 'service-account');
    const adminToken = randomBytes(24).toString('hex');
    const limitedToken = randomBytes(24).toString('hex');
    const tokens = join(pki, 'tokens.csv');
    writeFileSync(tokens, `${adminToken},admin,admin-uid,"system:masters"\n${limitedToken},${LIMITED_USER},limited-uid\n`, { mode: 0o600 });
    const caData = toBase64(readFileSync(servingCa.cert, 'utf8'));
    const server = `https://127.0.0.1:${port}`;
    const kubeconfigPath = join(dir, 'kubeconfig');
    const info: TestCluster = {
      name,
      server,
      caData,
      adminToken,
      limitedToken,
      limitedNamespace: LIMITED_NAMESPACE,
      kubeconfigPath,
      dir,
      kubectl: join(this.bin, 'kubectl'),
    };
    writeFileSync(kubeconfigPath, kubeconfigYaml(info, adminToken), { mode: 0o600 });
    const args = [
      `--etcd-servers=${this.etcdUrl}`,
      `--etcd-prefix=/clusters/${name}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${pki}`,
      `--tls-cert-file=${serving.files.cert}`,
      `--tls-private-key-file=${serving.files.key}`,
      `--client-ca-file=${join(pki, 'client-ca.crt')}`,
      `--token-auth-file=${tokens}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${sa.publicKey}`,
      `--service-account-signing-key-file=${sa.privateKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      // no controller-manager creates default service accounts here
      '--disable-admission-plugins=ServiceAccount',
      '--endpoint-reconciler-type=none',
      '--profiling=false',
      '--v=0',
    ];
    const run: Running = { info, args };
    this.running.set(name, run);
    await this.startApiServer(run);
    await this.provision(info);
    return info;
  }

  private async startApiServer(run: Running): Promise<void> {
    run.proc = this.spawnLogged(join(this.bin, 'kube-apiserver'), run.args, join(run.info.dir, 'kube-apiserver.log'));
    await this.waitFor(`kube-apiserver ${run.info.name}`, run.proc, async () => {
      const res = await clusterRequest(run.info, run.info.adminToken, 'GET', '/readyz').catch(() => undefined);
      return res?.status === 200;
    });
  }

  /** The limited user's namespace with full rights inside it, and nothing outside. */
  private async provision(c: TestCluster): Promise<void> {
    const must = async (path: string, body: unknown) => {
      const res = await clusterRequest(c, c.adminToken, 'POST', path, body);
      if (res.status !== 201 && res.status !== 409) throw new Error(`provisioning ${c.name} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    };
    await must('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: LIMITED_NAMESPACE } });
    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${LIMITED_NAMESPACE}`;
    await must(`${rbac}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'namespace-admin', namespace: LIMITED_NAMESPACE },
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
    });
    await must(`${rbac}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'namespace-admin', namespace: LIMITED_NAMESPACE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'namespace-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: LIMITED_USER }],
    });
  }

  /** Stops one cluster's API server (its data stays in etcd), as an outage would. */
  async stopCluster(name: string): Promise<void> {
    const run = this.running.get(name);
    if (run?.proc) await terminate(run.proc);
    if (run) run.proc = undefined;
  }

  /** Starts a stopped cluster again on the same port with the same credentials. */
  async restartCluster(name: string): Promise<void> {
    const run = this.running.get(name);
    if (!run) throw new Error(`no test cluster ${name}`);
    if (run.proc) return;
    await this.startApiServer(run);
  }

  async stop(): Promise<void> {
    process.removeListener('exit', this.exitHook);
    await Promise.all([...this.running.values()].flatMap((r) => (r.proc ? [terminate(r.proc)] : [])));
    if (this.etcd) await terminate(this.etcd);
    if (this.ownsRoot) rmSync(this.root, { recursive: true, force: true });
  }

  private killAll(): void {
    for (const r of this.running.values()) r.proc?.kill('SIGKILL');
    this.etcd?.kill('SIGKILL');
  }

  private spawnLogged(cmd: string, args: string[], logFile: string): ChildProcess {
    const fd = openSync(logFile, 'a');
    // killAll covers a normal exit, but nothing in Node runs when this process is killed outright
    // (SIGKILL, or a default-action signal): with setpriv the kernel kills the child then too
    const [file, argv] = parentDeathWrapper() ? ['setpriv', ['--pdeathsig', 'KILL', '--', cmd, ...args]] : [cmd, args];
    const proc = spawn(file, argv, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    (proc as ChildProcess & { logFile?: string }).logFile = logFile;
    return proc;
  }

  private async waitFor(what: string, proc: ChildProcess, ready: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        const log = (proc as ChildProcess & { logFile?: string }).logFile;
        const tail = log ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
        throw new Error(`${what} exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${tail}`);
      }
      if (await ready()) return;
      await sleep(200);
    }
    throw new Error(`${what} not ready after ${timeoutMs} ms`);
  }
}

let pdeathsig: boolean | undefined;

/**
 * Whether children can be started under `setpriv --pdeathsig` (util-linux, Linux only): it sets
 * PR_SET_PDEATHSIG, which Node cannot, and execs the program in its place (same pid).
 */
export function parentDeathWrapper(): boolean {
  if (pdeathsig === undefined) {
    try {
      pdeathsig = process.platform === 'linux' && execFileSync('setpriv', ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('--pdeathsig');
    } catch {
      pdeathsig = false;
    }
  }
  return pdeathsig;
}

async function terminate(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
