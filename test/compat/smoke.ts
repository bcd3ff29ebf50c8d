// Run by smoke.sh with the Node under test (type stripping, no compiler): starts the built service
// (dist/) on this same runtime, makes a few API calls against a real test-bed cluster, stops it
// with SIGTERM and expects exit code 0. Exits non-zero on the first thing that does not hold.
//   SMOKE_APP      directory with dist/, config/, package.json and node_modules/ for this runtime
//   SMOKE_DATA     data directory for the service
//   SMOKE_CLUSTER  one JSON line printed by `npm run testbed` ({ name, server, caData, token })
//   SMOKE_MAJOR    the Node major expected (optional)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const app = env('SMOKE_APP');
const cluster = JSON.parse(env('SMOKE_CLUSTER')) as { server: string; caData: string; token: string };
const major = process.env.SMOKE_MAJOR;
const ADMIN = randomBytes(24).toString('hex');
const NAME = 'smoke';

const ok = (what: string) => console.log(`  ok  ${what}`);
function check(cond: unknown, what: string, detail?: unknown): asserts cond {
  if (!cond) throw new Error(`${what}${detail === undefined ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
  ok(what);
}
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`${what}: nothing within ${ms / 1000} s`)), ms).unref())]);
}

check(!major || process.versions.node.split('.')[0] === major, `runtime is Node ${major ?? process.version}`, process.version);

const child = spawn(process.execPath, [join(app, 'dist/src/main.js')], {
  cwd: app,
  env: {
    PATH: process.env.PATH,
    FLOTILLA_PORT: '0',
    FLOTILLA_SERVER__HOST: '127.0.0.1',
    FLOTILLA_DATA_DIR: env('SMOKE_DATA'),
    FLOTILLA_ADMIN_TOKEN: ADMIN,
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let stderr = '';
child.stderr.on('data', (d) => (stderr += d));
const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('close', (code, signal) => done({ code, signal })));
const messages: string[] = [];
const listening = new Promise<number>((done, fail) => {
  createInterface({ input: child.stdout }).on('line', (line) => {
    let entry: { msg?: string; port?: number };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    messages.push(String(entry.msg));
    if (entry.msg === 'flotilla listening' && entry.port) done(entry.port);
  });
  void exited.then(({ code, signal }) => fail(new Error(`the service exited (${code ?? signal}) before listening`)));
});

try {
  const port = await within(60_000, 'the service listening', listening);
  ok(`the service (${process.version}) listens on 127.0.0.1:${port}`);
  const base = `http://127.0.0.1:${port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  const ready = await call('GET', '/readyz');
  check(ready.status === 200, 'GET /readyz 200 (database and scheduler)', ready);
  const created = await call('POST', '/api/v1/clusters', {
    name: NAME,
    server: cluster.server,
    tls: { caData: cluster.caData },
    auth: { type: 'bearerToken', token: cluster.token },
  });
  check(created.status === 201 && created.body.status?.phase === 'Connected', `POST /api/v1/clusters 201, ${NAME} Connected`, created);
  const read = await call('GET', `/api/v1/clusters/${NAME}`);
  check(
    read.status === 200 && read.body.status?.phase === 'Connected' && /^v1\./.test(read.body.status?.kubernetesVersion ?? ''),
    `GET /api/v1/clusters/${NAME} 200, Connected to Kubernetes ${read.body?.status?.kubernetesVersion}`,
    read,
  );
  const list = await call('GET', '/api/v1/clusters');
  check(list.status === 200 && list.body.map((c: { name: string }) => c.name).includes(NAME), `GET /api/v1/clusters lists ${NAME}`, list);
  const removed = await call('DELETE', `/api/v1/clusters/${NAME}`);
  check(removed.status === 204, `DELETE /api/v1/clusters/${NAME} 204`, removed);
  const gone = await call('GET', `/api/v1/clusters/${NAME}`);
  check(gone.status === 404, `GET /api/v1/clusters/${NAME} 404 after it`, gone);

  child.kill('SIGTERM');
  const exit = await within(30_000, 'exit after SIGTERM', exited);
  check(exit.code === 0, 'exit code 0 after SIGTERM', { ...exit, stderr: stderr.slice(-2000) });
  check(messages.includes('database closed') && messages[messages.length - 1] === 'stopped', 'closed the database, last log line "stopped"', messages.slice(-5));
} catch (e) {
  console.error(`  FAIL  ${e instanceof Error ? e.message : String(e)}`);
  if (stderr) console.error(`service stderr:\n${stderr.slice(-4000)}`);
  child.kill('SIGKILL');
  process.exitCode = 1;
}
