// The `flotilla` command line as a person uses it: a child process with its own HOME, against the
// real service, real git over HTTP and the test-bed clusters. Everything it creates is named cl-…;
// `cluster add` creates the flotilla-manager account in the shared cluster east and removes it at
// the end.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer, type TestRepository } from '../support/git-server';
import { configMapYaml, editObject, getApplication, getObject, SYNC_ENV } from '../support/workloads';
import { clusterRequest } from '../testbed/cluster';
import { CliUser, recordingProxy, shown } from './cli-process';

const [east, west] = inject('clusters');
const ADMIN = 'cli-test-admin-token-0123456789abcdef';
const REPO = 'cl-deploy';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const BINDING = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'flotilla-manager-role-binding' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flotilla-manager-role' },
  subjects: [{ kind: 'ServiceAccount', name: 'flotilla-manager', namespace: 'kube-system' }],
};

async function removeAccount(): Promise<void> {
  for (const path of [
    `${RBAC}/clusterrolebindings/flotilla-manager-role-binding`,
    `${RBAC}/clusterroles/flotilla-manager-role`,
    '/api/v1/namespaces/kube-system/secrets/flotilla-manager-token',
    '/api/v1/namespaces/kube-system/serviceaccounts/flotilla-manager',
  ])
    await clusterRequest(east, east.adminToken, 'DELETE', path);
}

describe('the flotilla command line', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let running: RunningApp;
  let admin: ApiClient;
  let user: CliUser;
  let cli: CliUser['run'];

  beforeAll(async () => {
    await removeAccount(); // a run cut short may have left it
    server = await GitHttpServer.start();
    repo = await server.createRepository(REPO);
    await repo.commit(
      {
        'apps/web/settings.yaml': configMapYaml('cl-settings', { greeting: 'hello' }),
        'apps/broken/good.yaml': configMapYaml('cl-fine', { a: 'b' }),
        'apps/broken/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cl-bad\ndata: [\n',
      },
      { message: 'web settings and a broken path' },
    );
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    admin = apiClient(running.baseUrl, ADMIN);
    user = new CliUser();
    cli = user.run.bind(user);
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
    user?.remove();
    await removeAccount();
  });

  it('logs in, keeps the token in a 0600 file under ~/.config/flotilla, and says who it talks to', async () => {
    const refused = await cli(['login', running.baseUrl, '--token', 'not-a-token-of-this-server']);
    expect(refused.code, shown(refused)).toBe(1);
    expect(() => statSync(join(user.home, '.config/flotilla/config.yaml'))).toThrow(); // nothing saved

    const login = await cli(['login', running.baseUrl, '--name', 'cl-local'], { input: `${ADMIN}\n` }); // token on stdin
    expect(login.code, shown(login)).toBe(0);
    const file = join(user.home, '.config/flotilla/config.yaml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(user.home, '.config/flotilla')).mode & 0o777).toBe(0o700);

    const contexts = await cli(['context', 'list', '-o', 'json']);
    expect(contexts.code, shown(contexts)).toBe(0);
    expect(JSON.parse(contexts.stdout)).toEqual([{ name: 'cl-local', server: running.baseUrl, current: true }]);
    const who = await cli(['whoami']);
    expect(who.code, shown(who)).toBe(0);
    expect(who.stdout).toContain(running.baseUrl);
    expect(who.stdout).toMatch(/accepted/);
    // a second login rewrites the file and keeps it private
    expect((await cli(['login', running.baseUrl, '--name', 'cl-local', '--token', ADMIN])).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('answers a wrong token with one line naming the problem and what to do, and exit code 1', async () => {
    const wrong = await cli(['app', 'list'], { env: { FLOTILLA_TOKEN: 'flt_wrong_token_0123456789' } });
    expect(wrong.code, shown(wrong)).toBe(1);
    expect(wrong.stdout).toBe('');
    const lines = wrong.stderr.trimEnd().split('\n');
    expect(lines, shown(wrong)).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: invalid or revoked token \(401 Unauthorized\) — log in again: flotilla login http:\/\/127\.0\.0\.1:\d+$/);
    // no colour codes off a terminal
    expect(wrong.stderr).not.toContain('\x1b[');

    const missing = await cli(['app', 'get', 'cl-nothing']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('error: application "cl-nothing" not found (404 Not Found)');
  });

  it("cluster add creates a ServiceAccount with a binding and registers a Connected cluster with that account's token, never the kubeconfig's", async () => {
    const proxy = await recordingProxy(running.baseUrl);
    try {
      const add = await cli(
        ['--server', proxy.url, 'cluster', 'add', east.name, '--kubeconfig', east.kubeconfigPath, '--name', 'cl-east', '-l', 'env=cl', '--token-wait', '1', '--yes'],
        {
          env: { FLOTILLA_TOKEN: ADMIN },
        },
      );
      expect(add.code, shown(add)).toBe(0);
      expect(add.stdout).toMatch(/Cluster "cl-east" registered: Connected/);
      // the test bed runs no controller-manager, so the token Secret stays empty: the CLI says so
      expect(add.stderr).toMatch(/TokenRequest token that expires/);

      // what it created in the cluster
      const sa = await clusterRequest(east, east.adminToken, 'GET', '/api/v1/namespaces/kube-system/serviceaccounts/flotilla-manager');
      expect(sa.status).toBe(200);
      const binding = await clusterRequest(east, east.adminToken, 'GET', `${RBAC}/clusterrolebindings/flotilla-manager-role-binding`);
      expect(binding.status).toBe(200);
      expect(binding.body.subjects).toEqual([{ kind: 'ServiceAccount', name: 'flotilla-manager', namespace: 'kube-system' }]);
      expect(binding.body.roleRef.name).toBe('flotilla-manager-role');
      const secret = await clusterRequest(east, east.adminToken, 'GET', '/api/v1/namespaces/kube-system/secrets/flotilla-manager-token');
      expect(secret.body.type).toBe('kubernetes.io/service-account-token');

      // what it sent: the ServiceAccount's token, and nothing of the kubeconfig's own credentials
      const registrations = proxy.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/clusters');
      expect(registrations).toHaveLength(1);
      expect(proxy.requests.some((r) => r.body.includes(east.adminToken))).toBe(false);
      const sent = JSON.parse(registrations[0].body);
      expect(sent).toMatchObject({
        name: 'cl-east',
        server: east.server,
        labels: { env: 'cl' },
        tls: { caData: east.caData, insecureSkipVerify: false },
        auth: { type: 'bearerToken' },
      });
      const review = await clusterRequest(east, east.adminToken, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token: sent.auth.token },
      });
      expect(review.body.status).toMatchObject({ authenticated: true, user: { username: 'system:serviceaccount:kube-system:flotilla-manager' } });
    } finally {
      await proxy.close();
    }

    const view = await admin.get('/api/v1/clusters/cl-east');
    expect(view.body.status.phase).toBe('Connected');
    // what Flotilla stored acts as the ServiceAccount: without the binding it may not list namespaces
    expect((await clusterRequest(east, east.adminToken, 'DELETE', `${RBAC}/clusterrolebindings/flotilla-manager-role-binding`)).status).toBe(200);
    const unbound = await cli(['cluster', 'check', 'cl-east']);
    expect(unbound.code, shown(unbound)).toBe(1);
    expect(unbound.stdout).toMatch(/cl-east: Error/);
    expect(unbound.stdout).toContain('system:serviceaccount:kube-system:flotilla-manager');
    expect((await clusterRequest(east, east.adminToken, 'POST', `${RBAC}/clusterrolebindings`, BINDING)).status).toBe(201);
    const bound = await eventually(
      'cl-east connected again',
      () => cli(['cluster', 'check', 'cl-east']),
      (r) => r.code === 0,
      20_000,
      500,
    );
    expect(bound.stdout).toMatch(/cl-east: Connected/);

    // a second add is refused by name; with --upsert it rotates the token and keeps the labels
    const again = ['cluster', 'add', east.name, '--kubeconfig', east.kubeconfigPath, '--name', 'cl-east', '--token-wait', '1', '--yes'];
    const taken = await cli(again);
    expect(taken.code, shown(taken)).toBe(1);
    expect(taken.stderr).toMatch(/409 Conflict/);
    const rotated = await cli([...again, '--upsert']);
    expect(rotated.code, shown(rotated)).toBe(0);
    expect(rotated.stdout).toMatch(/Cluster "cl-east" updated: Connected/);
    expect((await admin.get('/api/v1/clusters/cl-east')).body.labels).toEqual({ env: 'cl' });
  }, 120_000);

  it("cluster add --use-current-credentials registers the context's own token, and refuses an exec plugin as the API does", async () => {
    const add = await cli(['cluster', 'add', west.name, '--kubeconfig', west.kubeconfigPath, '--name', 'cl-west', '-l', 'env=cl', '--use-current-credentials', '-o', 'json']);
    expect(add.code, shown(add)).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ name: 'cl-west', labels: { env: 'cl' }, auth: { type: 'bearerToken', hasToken: true }, status: { phase: 'Connected' } });

    const execConfig = join(user.home, 'exec.kubeconfig');
    writeFileSync(
      execConfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: dev',
        'clusters:',
        '- name: dev',
        '  cluster:',
        `    server: ${west.server}`,
        `    certificate-authority-data: ${west.caData}`,
        'users:',
        '- name: sso',
        '  user:',
        '    exec:',
        '      apiVersion: client.authentication.k8s.io/v1',
        '      command: sso-login',
        'contexts:',
        '- name: dev',
        '  context: {cluster: dev, user: sso}',
        '',
      ].join('\n'),
    );
    const refused = await cli(['cluster', 'add', 'dev', '--kubeconfig', execConfig, '--name', 'cl-sso', '--use-current-credentials']);
    expect(refused.code, shown(refused)).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/exec plugin \(sso-login\)/);
    expect((await admin.get('/api/v1/clusters/cl-sso')).status).toBe(404);

    const list = await cli(['cluster', 'list', '-l', 'env=cl', '-o', 'json']);
    expect(list.code, shown(list)).toBe(0);
    expect(JSON.parse(list.stdout).map((c: { name: string }) => c.name)).toEqual(['cl-east', 'cl-west']);
  });

  it('repo add, app create -f and app sync --wait end 0 with every target Synced', async () => {
    const added = await cli(['repo', 'add', REPO, server.url(REPO), '--poll-interval', '3600']);
    expect(added.code, shown(added)).toBe(0);
    const file = join(user.home, 'web.yaml');
    writeFileSync(
      file,
      [
        'name: cl-web',
        `repository: ${REPO}`,
        'path: apps/web',
        'destinations:',
        '  - clusterSelector: {matchLabels: {env: cl}}',
        '    namespace: "cl-web-{{cluster.name}}"',
        'syncPolicy: {automated: false, selfHeal: false}',
        '',
      ].join('\n'),
    );
    const created = await cli(['app', 'create', '-f', file]);
    expect(created.code, shown(created)).toBe(0);
    expect(created.stdout).toMatch(/Application "cl-web" created: 2 targets/);

    const sync = await cli(['app', 'sync', 'cl-web', '--wait', '--timeout', '90s']);
    expect(sync.code, shown(sync)).toBe(0);
    for (const ns of ['cl-web-cl-east', 'cl-web-cl-west']) expect(sync.stdout, shown(sync)).toMatch(new RegExp(`${ns}\\s+#\\d+\\s+Succeeded\\s+Synced`));
    // progress went to stderr, one line per change of state (not a terminal)
    expect(sync.stderr).toMatch(/cl-web cl-east\/cl-web-cl-east: Succeeded/);

    const app = await getApplication(admin, 'cl-web');
    expect(app.status.targets.map((t: { sync: string }) => t.sync)).toEqual(['Synced', 'Synced']);
    expect((await getObject(east, 'ConfigMap', 'cl-web-cl-east', 'cl-settings'))?.data).toEqual({ greeting: 'hello' });
    expect((await getObject(west, 'ConfigMap', 'cl-web-cl-west', 'cl-settings'))?.data).toEqual({ greeting: 'hello' });

    const got = await cli(['app', 'get', 'cl-web', '-o', 'json']);
    expect(got.code, shown(got)).toBe(0);
    expect(JSON.parse(got.stdout).status.targets.map((t: { cluster: string; sync: string }) => `${t.cluster} ${t.sync}`)).toEqual(['cl-east Synced', 'cl-west Synced']);
    const table = await cli(['app', 'get', 'cl-web']);
    expect(table.stdout).toMatch(/CLUSTER\s+NAMESPACE\s+SYNC\s+HEALTH\s+REVISION\s+LAST RUN/);
    const history = await cli(['app', 'history', 'cl-web', '-o', 'yaml']);
    expect(history.code, shown(history)).toBe(0);
    expect(history.stdout).toMatch(/trigger: manual/);
  }, 120_000);

  it('a failing sync ends non-zero and shows the failure', async () => {
    const created = await cli(['app', 'create', 'cl-broken', '--repo', REPO, '--path', 'apps/broken', '--dest', 'cl-east:cl-broken', '--no-auto-sync']);
    expect(created.code, shown(created)).toBe(0);
    const sync = await cli(['app', 'sync', 'cl-broken', '--wait', '--timeout', '60s']);
    expect(sync.code, shown(sync)).toBe(1);
    expect(sync.stdout).toMatch(/cl-east\/cl-broken\s+#\d+\s+Failed/);
    const error = sync.stderr.trimEnd().split('\n').pop()!;
    expect(error, shown(sync)).toMatch(/^error: 1 of 1 target failed; cl-broken cl-east\/cl-broken: Failed — .*apps\/broken\/bad\.yaml:\d+/);
    expect(await getObject(east, 'ConfigMap', 'cl-broken', 'cl-fine')).toBeNull(); // nothing applied
  }, 90_000);

  it('app diff exits 1 after an out-of-band edit and 0 after a sync; -o json parses', async () => {
    const clean = await cli(['app', 'diff', 'cl-web']);
    expect(clean.code, shown(clean)).toBe(0);
    expect(clean.stdout).toMatch(/no differences/);

    await editObject(east, 'ConfigMap', 'cl-web-cl-east', 'cl-settings', { data: { greeting: 'edited by hand' } });
    const drifted = await cli(['app', 'diff', 'cl-web']);
    expect(drifted.code, shown(drifted)).toBe(1);
    expect(drifted.stdout).toMatch(/~ ConfigMap cl-web-cl-east\/cl-settings \(v1\) configured/);
    expect(drifted.stdout).toContain('data.greeting: "edited by hand" → "hello"');
    const json = await cli(['app', 'diff', 'cl-web', '-o', 'json']);
    expect(json.code).toBe(1);
    const diff = JSON.parse(json.stdout);
    const changed = diff.targets.flatMap((t: any) => t.changes.filter((c: any) => c.action !== 'unchanged').map((c: any) => `${t.cluster} ${c.kind} ${c.name} ${c.action}`));
    expect(changed).toEqual(['cl-east ConfigMap cl-settings configured']);

    const sync = await cli(['app', 'sync', 'cl-web', '--target', 'cl-east/cl-web-cl-east', '--wait', '--timeout', '60s']);
    expect(sync.code, shown(sync)).toBe(0);
    const after = await cli(['app', 'diff', 'cl-web']);
    expect(after.code, shown(after)).toBe(0);
    expect((await getObject(east, 'ConfigMap', 'cl-web-cl-east', 'cl-settings'))?.data).toEqual({ greeting: 'hello' });

    const missing = await cli(['app', 'diff', 'cl-nothing']);
    expect(missing.code).toBe(2);
  }, 90_000);

  it('app wait ends 0 once every target is there and 1 with the targets still waiting at the timeout', async () => {
    const ready = await cli(['app', 'wait', 'cl-web', '--sync', '--timeout', '30s']);
    expect(ready.code, shown(ready)).toBe(0);
    const stuck = await cli(['app', 'wait', 'cl-broken', '--sync', '--timeout', '2s']);
    expect(stuck.code, shown(stuck)).toBe(1);
    expect(stuck.stderr.trimEnd().split('\n').pop()).toMatch(/^error: timed out after 2s waiting for cl-east\/cl-broken — raise --timeout/);
  }, 60_000);

  it('rolls back to the previous revision and waits for it; the events stream wakes the wait', async () => {
    const proxy = await recordingProxy(running.baseUrl);
    const viaProxy = { env: { FLOTILLA_SERVER: proxy.url, FLOTILLA_TOKEN: ADMIN } };
    try {
      const first = (await getApplication(admin, 'cl-web')).status.targets[0].revision.sha;
      await repo.commit({ 'apps/web/settings.yaml': configMapYaml('cl-settings', { greeting: 'hello again' }) }, { message: 'greet again' });
      expect((await cli(['repo', 'refresh', REPO])).code).toBe(0);
      const sync = await cli(['app', 'sync', 'cl-web', '--wait', '--timeout', '60s'], viaProxy);
      expect(sync.code, shown(sync)).toBe(0);
      expect((await getObject(west, 'ConfigMap', 'cl-web-cl-west', 'cl-settings'))?.data).toEqual({ greeting: 'hello again' });
      expect(
        proxy.requests.some((r) => r.method === 'GET' && r.path === '/api/v1/events?application=cl-web&types=run%2Ctarget'),
        JSON.stringify(proxy.requests.map((r) => r.path)),
      ).toBe(true);

      const back = await cli(['app', 'rollback', 'cl-web', '--wait', '--timeout', '60s']);
      expect(back.code, shown(back)).toBe(0);
      expect(back.stdout).toMatch(/cl-east\/cl-web-cl-east\s+#\d+\s+Succeeded/);
      const app = await getApplication(admin, 'cl-web');
      expect(app.pinned.revision).toBe(first);
      expect((await getObject(west, 'ConfigMap', 'cl-web-cl-west', 'cl-settings'))?.data).toEqual({ greeting: 'hello' });
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('shows --wait progress on a terminal as a coloured table redrawn in place', async () => {
    const waiting = await user.onTerminal(['app', 'wait', 'cl-broken', '--sync', '--timeout', '3s']);
    expect(waiting).toContain('waiting for cl-broken to be Synced: 0/1 done');
    // eslint-disable-next-line no-control-regex -- ESC starts the terminal's escape sequences, which are what is checked here
    expect(waiting).toMatch(/\x1b\[\d+A\r\x1b\[J/); // the table drawn again over itself
    expect(waiting).toContain('\x1b[33mWaiting\x1b[0m');
    // eslint-disable-next-line no-control-regex -- ESC starts the colour reset that may precede the message
    expect(waiting).toMatch(/error:(\x1b\[0m)? timed out after 3s/); // in red
    const synced = await user.onTerminal(['app', 'sync', 'cl-web', '--wait', '--timeout', '60s']);
    expect(synced).toMatch(/syncing cl-web: 2\/2 done/);
    expect(synced).toContain('\x1b[32mSucceeded\x1b[0m');
    expect(synced).not.toContain('error:');
  }, 90_000);

  it('lists in tables by default and as JSON or YAML when asked', async () => {
    const table = await cli(['app', 'list']);
    expect(table.code, shown(table)).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+REPOSITORY\s+PATH\s+TARGETS\s+SYNCED\s+HEALTHY\s+LABELS$/);
    expect(table.stdout).toMatch(/cl-web\s+cl-deploy\s+apps\/web\s+2\s+2\/2/);
    const json = await cli(['app', 'list', '-o', 'json']);
    expect(JSON.parse(json.stdout).map((a: { name: string }) => a.name)).toEqual(['cl-broken', 'cl-web']);
    const repos = await cli(['repo', 'list', '-o', 'yaml']);
    expect(repos.stdout).toMatch(/name: cl-deploy/);
    const tokens = await cli(['token', 'create', 'cl-reader', '--role', 'viewer', '-o', 'json']);
    const token = JSON.parse(tokens.stdout).token;
    expect(token).toMatch(/^flt_/);
    const asViewer = await cli(['repo', 'remove', REPO], { env: { FLOTILLA_TOKEN: token } });
    expect(asViewer.code).toBe(1);
    expect(asViewer.stderr).toMatch(/403 Forbidden\) — ask an admin/);
  });

  it('app rollout shows the waves; approve starts the waiting wave and --watch ends 0 on Completed, 1 after an abort', async () => {
    const none = await cli(['app', 'rollout', 'cl-web']);
    expect(none.code, shown(none)).toBe(1);
    expect(none.stderr.trim()).toBe('error: application "cl-web" has no rollout: set rollout in its definition (404 Not Found)');
    const missing = await cli(['app', 'rollout', 'cl-nothing', '--watch']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('error: application "cl-nothing" not found (404 Not Found)');
    const help = await cli(['app', 'rollout', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: flotilla app rollout \[options\] <name> \[action\]/);
    expect(help.stdout).toMatch(/^ {2}approve +start the wave that waits for approval$/m);
    const wrongAction = await cli(['app', 'rollout', 'cl-web', 'approv']);
    expect(wrongAction.code).toBe(1);
    expect(wrongAction.stderr).toMatch(/Allowed choices are pause, resume, approve, promote, abort/);

    // one wave on cl-east that waits for approval; cl-west matches no wave: the last wave, "rest"
    const v1 = await repo.commit({ 'apps/ro/settings.yaml': configMapYaml('cl-ro', { version: 'v1' }) }, { message: 'ro v1' });
    expect((await cli(['repo', 'refresh', REPO])).code).toBe(0);
    const file = join(user.home, 'ro.yaml');
    writeFileSync(
      file,
      [
        'name: cl-ro',
        `repository: ${REPO}`,
        'path: apps/ro',
        'destinations: [{cluster: cl-east, namespace: cl-ro}, {cluster: cl-west, namespace: cl-ro}]',
        'rollout: {waves: [{name: canary, clusters: [cl-east], approval: true}]}',
        '',
      ].join('\n'),
    );
    expect((await cli(['app', 'create', '-f', file])).code).toBe(0);
    const awaiting = await eventually(
      'the first rollout awaits approval',
      () => cli(['app', 'rollout', 'cl-ro', '-o', 'json']),
      (r) => r.code === 0 && JSON.parse(r.stdout).state === 'AwaitingApproval',
      30_000,
      300,
    );
    const json = JSON.parse(awaiting.stdout);
    expect(json.revision).toBe(v1);
    expect(json.waves.map((w: any) => [w.name, w.state, w.targets.map((t: any) => `${t.cluster}/${t.namespace} ${t.state}`)])).toEqual([
      ['canary', 'AwaitingApproval', ['cl-east/cl-ro Waiting']],
      ['rest', 'Pending', ['cl-west/cl-ro Waiting']],
    ]);
    const status = await cli(['app', 'rollout', 'cl-ro']);
    expect(status.code, shown(status)).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^Rollout: +#${json.id} of cl-ro to ${v1.slice(0, 7)} `, 'm'));
    expect(status.stdout).toMatch(/^State: +AwaitingApproval$/m);
    expect(status.stdout).toMatch(/^canary +AwaitingApproval +0\/1 +- +waiting for approval +all$/m);
    expect(status.stdout).toMatch(/^rest +Pending +0\/1 +- +- +all$/m);
    expect(status.stdout).not.toContain('cl-east/cl-ro');
    const withTargets = await cli(['app', 'rollout', 'cl-ro', '--targets']);
    expect(withTargets.stdout).toMatch(/^canary +cl-east\/cl-ro +Waiting +- +-/m);
    const got = await cli(['app', 'get', 'cl-ro']);
    expect(got.stdout).toMatch(/^Sync window: +allowed$/m);
    expect(got.stdout).toMatch(new RegExp(`^Rollout: +#${json.id} ${v1.slice(0, 7)} AwaitingApproval, wave canary — .*\\(flotilla app rollout cl-ro\\)$`, 'm'));
    expect(got.stdout).toMatch(/^cl-west +cl-ro +.* rest Waiting/m);
    expect(await getObject(east, 'ConfigMap', 'cl-ro', 'cl-ro')).toBeNull(); // nothing moves before the approval

    // --watch follows it through the events stream; the approval lets it complete
    const proxy = await recordingProxy(running.baseUrl);
    try {
      const watching = cli(['app', 'rollout', 'cl-ro', '--watch', '--timeout', '90s'], { env: { FLOTILLA_SERVER: proxy.url, FLOTILLA_TOKEN: ADMIN } });
      await eventually(
        'the watch listens to the events',
        async () => proxy.requests.map((r) => r.path),
        (paths) => paths.includes('/api/v1/events?application=cl-ro&types=rollout%2Ctarget%2Crun'),
        20_000,
        100,
      );
      const approved = await cli(['app', 'rollout', 'cl-ro', 'approve']);
      expect(approved.code, shown(approved)).toBe(0);
      expect(approved.stdout).toMatch(/^canary +(Progressing|Soaking|Completed) +[01]\/1 +- +approved by bootstrap-admin +all$/m);
      const watched = await watching;
      expect(watched.code, shown(watched)).toBe(0);
      expect(watched.stdout).toMatch(/^State: +Completed$/m);
      expect(watched.stdout).toMatch(/^canary +Completed +1\/1 +- +approved by bootstrap-admin +all$/m);
      expect(watched.stdout).toMatch(/^rest +Completed +1\/1/m);
      expect(watched.stderr).toMatch(new RegExp(`^rollout #${json.id} ${v1.slice(0, 7)}: AwaitingApproval — canary AwaitingApproval 0/1, rest Pending 0/1`, 'm'));
      expect(watched.stderr).toMatch(new RegExp(`^rollout #${json.id} ${v1.slice(0, 7)}: Completed — canary Completed 1/1, rest Completed 1/1`, 'm'));
    } finally {
      await proxy.close();
    }
    expect((await getObject(west, 'ConfigMap', 'cl-ro', 'cl-ro'))?.data).toEqual({ version: 'v1' });
    const again = await cli(['app', 'rollout', 'cl-ro', 'approve']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(new RegExp(`^error: cannot approve rollout #${json.id} of cl-ro \\(Completed\\): it completed.*\\(409 Conflict\\)$`));

    // the next commit waits for approval again; aborted, it ends RolledBack and --watch exits 1
    const v2 = await repo.commit({ 'apps/ro/settings.yaml': configMapYaml('cl-ro', { version: 'v2' }) }, { message: 'ro v2' });
    expect((await cli(['repo', 'refresh', REPO])).code).toBe(0);
    await eventually(
      'the v2 rollout awaits approval',
      () => cli(['app', 'rollout', 'cl-ro', '-o', 'json']),
      (r) => r.code === 0 && JSON.parse(r.stdout).revision === v2 && JSON.parse(r.stdout).state === 'AwaitingApproval',
      30_000,
      300,
    );
    const aborted = await cli(['app', 'rollout', 'cl-ro', 'abort', '--watch', '--timeout', '60s', '-o', 'json']);
    expect(aborted.code, shown(aborted)).toBe(1);
    expect(JSON.parse(aborted.stdout)).toMatchObject({ revision: v2, state: 'RolledBack' });
    expect(aborted.stderr.trimEnd().split('\n').pop()).toMatch(/^error: rollout #\d+ of cl-ro ended RolledBack: aborted by \S+.* — see what failed: flotilla app history cl-ro$/);
    expect((await getObject(east, 'ConfigMap', 'cl-ro', 'cl-ro'))?.data).toEqual({ version: 'v1' });
  }, 180_000);
});
