// Renderers out of the box (issue 29, item 0): the service started the way `npm start` starts it
// — `npm run render-tools` (the prestart step that links the pinned kubectl and helm into
// .tools/bin), then the entry point with the default configuration and no FLOTILLA_RENDER__*
// settings — with a PATH that holds neither helm nor kubectl, renders and syncs a Helm chart
// and a Kustomize overlay; its start log and /readyz say which renderers it has. Then, with the
// tools directory moved somewhere empty, the same service is ready all the same and says how to
// get what is missing, in its log, in /readyz and on the target that needs helm.
//
// The entry point runs from source (`node -r @swc-node/register src/main.ts`, as the demo and
// test/support/service-process.ts run it), not from dist/: `npm start` runs `nest build` first,
// which compiles the same src/main.ts, and rebuilding dist/ here would take a minute and write
// into the checkout other runs may be using. What matters is the same: a process of its own, the
// real start path and config/default.yaml, the tools directory resolved from the project root —
// the process runs from a temporary working directory to show that — and the PATH it is given.
// Names on the shared clusters start with `rn5-`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { eventually } from '../support/eventually';
import { GitHttpServer } from '../support/git-server';
import { clusterBody, SYNC_ENV, waitForTargets } from '../support/workloads';
import { clusterRequest, parentDeathWrapper } from '../testbed/cluster';
import { collectionOf, getPath, listOfApplication, type RenderedTarget } from './support';

const run = promisify(execFile);
const root = resolve(__dirname, '../..');
const [east] = inject('clusters');
const ADMIN = 'rn5-npm-start-admin-token-0123456789';
const REPO = 'rn5-start';
const TOOLS = join(root, '.tools', 'bin');

/** The pinned versions, from the one place that pins them (with its environment overrides). */
function pinned(name: 'K8S' | 'HELM'): string {
  const script = readFileSync(join(root, 'test/testbed/binaries.sh'), 'utf8');
  const fallback = new RegExp(`^${name}_VERSION="\\$\\{FLOTILLA_${name}_VERSION:-([0-9.]+)\\}"$`, 'm').exec(script)?.[1];
  return `v${process.env[`FLOTILLA_${name}_VERSION`] ?? fallback}`;
}

const FILES = {
  'rn5/chart/Chart.yaml': 'apiVersion: v2\nname: rn5-chart\nversion: 0.1.0\n',
  'rn5/chart/values.yaml': 'greeting: hello\n',
  'rn5/chart/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  release: {{ .Release.Name | quote }}\n',
  'rn5/base/kustomization.yaml': 'resources:\n- cm.yaml\n',
  'rn5/base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  tier: base\n',
  'rn5/overlay/kustomization.yaml': 'resources:\n- ../base\nnamePrefix: rn5-\npatches:\n- path: tier.yaml\n',
  'rn5/overlay/tier.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  tier: overlay\n',
};

interface Started {
  url: string;
  /** the JSON log lines it wrote, parsed */
  logs: any[];
  stop(): Promise<void>;
}

/**
 * `node src/main.ts` in a process group of its own with exactly `env` (no FLOTILLA_* of this
 * process, no NODE_ENV: `npm start` sets none), from a temporary working directory.
 */
async function startService(env: Record<string, string>): Promise<Started> {
  const cwd = await mkdtemp(join(tmpdir(), 'rn5-cwd-'));
  // `npm start`: MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 <entry>
  const command = [process.execPath, '--max-semi-space-size=4', '-r', '@swc-node/register', join(root, 'src/main.ts')];
  // setpriv by its path: the child's PATH does not have it (it execs node in its place)
  const setpriv = parentDeathWrapper() ? (await run('sh', ['-c', 'command -v setpriv'])).stdout.trim() : '';
  const [file, args] = setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', ...command]] : [command[0], command.slice(1)];
  const child: ChildProcess = spawn(file, args, {
    cwd,
    env: { MALLOC_ARENA_MAX: '2', SWC_NODE_PROJECT: join(root, 'tsconfig.json'), NODE_PATH: join(root, 'node_modules'), ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.once('exit', killGroup);
  const exited = once(child, 'exit');
  const logs: any[] = [];
  const text: string[] = [];
  let listening: (port: number) => void = () => undefined;
  const port = new Promise<number>((done) => (listening = done));
  createInterface({ input: child.stderr! }).on('line', (l) => text.push(l));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    text.push(l);
    try {
      const entry = JSON.parse(l);
      logs.push(entry);
      if (entry.msg === 'flotilla listening') listening(entry.port);
    } catch {
      /* not a log line */
    }
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, 'SIGTERM');
      const timer = setTimeout(killGroup, 20_000);
      await exited;
      clearTimeout(timer);
    }
    killGroup(); // whatever it started
    process.removeListener('exit', killGroup);
    await rm(cwd, { recursive: true, force: true });
  };
  let timer: NodeJS.Timeout | undefined;
  const started = await Promise.race([port, exited.then(() => undefined), new Promise<undefined>((done) => (timer = setTimeout(() => done(undefined), 90_000)))]);
  clearTimeout(timer);
  if (!started) {
    await stop();
    throw new Error(`the service did not start:\n${text.slice(-30).join('\n')}`);
  }
  return { url: `http://127.0.0.1:${started}`, logs, stop };
}

describe('the service as `npm start` starts it, with no helm or kubectl on the PATH', () => {
  let server: GitHttpServer;
  let sha: string;
  let bin: string;
  let home: string;
  let provided: string;
  let service: Started | undefined;
  let api: ApiClient;

  /** Everything the service gets: a fresh machine's, and what the test's git server and clusters need. */
  const serviceEnv = (dataDir: string, more: Record<string, string> = {}) => ({
    PATH: bin,
    HOME: home,
    FLOTILLA_DATA_DIR: dataDir,
    FLOTILLA_PORT: '0',
    FLOTILLA_SERVER__HOST: '127.0.0.1',
    FLOTILLA_ADMIN_TOKEN: ADMIN,
    // a repository on plain http on loopback, and quick reconciles (the log level stays the
    // default, info: the start lines are what is looked at)
    ...Object.fromEntries(Object.entries(SYNC_ENV).filter(([k]) => k !== 'FLOTILLA_LOG_LEVEL')),
    ...more,
  });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'rn5-home-'));
    // the PATH: node and git (the mirrors), nothing else
    bin = join(home, 'bin');
    await mkdir(bin);
    await symlink(process.execPath, join(bin, 'node'));
    const git = (await run('sh', ['-c', 'command -v git'])).stdout.trim();
    await symlink(git, join(bin, 'git'));
    expect(await readdir(bin)).toEqual(['git', 'node']);

    // `npm run render-tools`, as prestart runs it: the test bed's cache has both (this run built
    // them), so it links them and builds nothing. Its own PATH has the shell's tools, and Go when
    // this machine has it, as a terminal's would.
    const cacheEnv = Object.fromEntries(
      ['FLOTILLA_TESTBED_CACHE', 'XDG_CACHE_HOME', 'KUBEBUILDER_ASSETS', 'FLOTILLA_K8S_VERSION', 'FLOTILLA_HELM_VERSION', 'HOME']
        .filter((k) => process.env[k] !== undefined)
        .map((k) => [k, process.env[k]!]),
    );
    const script = await run('bash', [join(root, 'scripts/render-tools.sh')], { cwd: root, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...cacheEnv } });
    provided = script.stderr;

    server = await GitHttpServer.start();
    const repo = await server.createRepository(REPO);
    sha = await repo.commit(FILES, { message: 'a chart and an overlay' });
    service = await startService(serviceEnv(join(home, 'data')));
    api = apiClient(service.url, ADMIN);
    expect((await api.post('/api/v1/clusters', clusterBody('east', east))).status).toBe(201);
    const res = await api.post('/api/v1/repositories', { name: REPO, url: server.url(REPO), pollIntervalSeconds: 3600 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }, 240_000);
  afterAll(async () => {
    await service?.stop();
    await server?.stop();
    for (const ns of ['rn5-chart', 'rn5-overlay']) await clusterRequest(east, east.adminToken, 'DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  });

  it('has the pinned kubectl and helm linked into .tools/bin by npm run render-tools', async () => {
    expect(provided).toMatch(new RegExp(`^render-tools: kubectl: ${TOOLS}/kubectl -> /`, 'm'));
    expect(provided).toMatch(new RegExp(`^render-tools: helm: ${TOOLS}/helm -> /`, 'm'));
    // …and nothing that could stand in for them on the service's PATH
    for (const dir of serviceEnv('').PATH.split(delimiter)) {
      expect(existsSync(join(dir, 'helm')) || existsSync(join(dir, 'kubectl')), dir).toBe(false);
    }
  });

  /** The start lines about renderers (logged once the versions are read, just after "flotilla listening"). */
  const renderersLogged = (s: Started) =>
    eventually(
      'the renderers logged',
      async () => s.logs.filter((l) => l.context === 'Renderers'),
      (lines) => lines.length === 2,
      30_000,
      100,
    );

  it('logs at start which renderers it has: name, version, path', async () => {
    const renderers = await renderersLogged(service!);
    expect(renderers.map((l) => [l.level, l.msg])).toEqual([
      ['info', `renderer kustomize: kubectl ${pinned('K8S')} at ${TOOLS}/kubectl (from render.toolsDir)`],
      ['info', `renderer helm: helm ${pinned('HELM')} at ${TOOLS}/helm (from render.toolsDir)`],
    ]);
    expect(renderers[1]).toMatchObject({ renderer: 'helm', tool: 'helm', version: pinned('HELM'), path: `${TOOLS}/helm`, source: 'toolsDir' });
  });

  it('says so in /readyz', async () => {
    const res = await fetch(`${service!.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      checks: { database: true, scheduler: true },
      renderers: {
        kustomize: { tool: 'kubectl', command: 'kubectl', found: true, path: `${TOOLS}/kubectl`, source: 'toolsDir', version: pinned('K8S'), problem: null },
        helm: { tool: 'helm', command: 'helm', found: true, path: `${TOOLS}/helm`, source: 'toolsDir', version: pinned('HELM'), problem: null },
      },
    });
  });

  it('renders and syncs a Helm chart and a Kustomize overlay', async () => {
    for (const [name, path] of [
      ['rn5-chart', 'rn5/chart'],
      ['rn5-overlay', 'rn5/overlay'],
    ]) {
      const created = await api.post('/api/v1/applications', {
        name,
        repository: REPO,
        path,
        destinations: [{ cluster: 'east', namespace: name }],
        syncPolicy: { automated: true, prune: true, intervalSeconds: 2 },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    for (const [name, renderer] of [
      ['rn5-chart', 'helm'],
      ['rn5-overlay', 'kustomize'],
    ]) {
      const app = await waitForTargets(api, name, [`east/${name}`], (t) => t.sync === 'Synced' && t.revision?.sha === sha, `${name} synced`);
      expect((app.status.targets as RenderedTarget[]).map((t) => [t.renderer, t.message])).toEqual([[renderer, null]]);
    }
    expect((await getPath(east, `${collectionOf('ConfigMap', 'rn5-chart')}/rn5-chart-settings`))?.data).toEqual({ greeting: 'hello', release: 'rn5-chart' });
    expect((await getPath(east, `${collectionOf('ConfigMap', 'rn5-overlay')}/rn5-settings`))?.data).toEqual({ tier: 'overlay' });
    expect((await listOfApplication(east, collectionOf('ConfigMap', 'rn5-overlay'), 'rn5-overlay')).map((c) => c.metadata.name)).toEqual(['rn5-settings']);
  });

  it('without them is ready all the same, and says how to get them: at start, in /readyz and on the target', async () => {
    await service!.stop();
    const empty = join(home, 'no-tools');
    service = await startService(serviceEnv(join(home, 'data'), { FLOTILLA_RENDER__TOOLS_DIR: empty }));
    api = apiClient(service.url, ADMIN);
    const howTo = (tool: string, what: string, install: string) =>
      `${tool} not found: ${what} will not render. Run "npm run render-tools" (needs Go), ${install}, or set render.${tool} / FLOTILLA_RENDER__${tool.toUpperCase()} to its path (looked for "${tool}" on the PATH or in ${empty})`;
    const helmHowTo = howTo('helm', 'Helm charts', 'install helm v4 on the PATH (https://helm.sh/docs/intro/install/)');
    const kubectlHowTo = howTo('kubectl', 'Kustomize overlays', 'install kubectl on the PATH (https://kubernetes.io/docs/tasks/tools/)');
    expect((await renderersLogged(service)).map((l) => [l.level, l.msg])).toEqual([
      ['warn', kubectlHowTo],
      ['warn', helmHowTo],
    ]);

    const res = await fetch(`${service.url}/readyz`);
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body.status).toBe('ok');
    expect(body.renderers.helm).toEqual({ tool: 'helm', command: 'helm', found: false, path: null, source: null, version: null, problem: helmHowTo });
    expect(body.renderers.kustomize).toMatchObject({ tool: 'kubectl', found: false, problem: kubectlHowTo });

    // a new process renders again (renders are kept in memory), and cannot: the target says why
    const message = `the helm binary "helm" was not found on the PATH or in ${empty}: run "npm run render-tools" (needs Go), install helm v4 on the PATH (https://helm.sh/docs/intro/install/), or set render.helm / FLOTILLA_RENDER__HELM to its path`;
    await eventually(
      'the chart target says how to get helm',
      async () => (await api.get('/api/v1/applications/rn5-chart')).body,
      (app) => app.status.targets.some((t: RenderedTarget) => t.message?.includes(message)),
      60_000,
      250,
    );
    // nothing changed in the cluster: the render failed before anything was applied
    expect((await getPath(east, `${collectionOf('ConfigMap', 'rn5-chart')}/rn5-chart-settings`))?.data.greeting).toBe('hello');
  });
});
