// cluster add|list|get|check|label|remove.
import type { Command } from 'commander';
import type { components } from '../api-schema';
import { ACCOUNT, currentCredentials, loadKubeContext, provisionAccount, type ClusterCredentialsBody } from '../cluster-account';
import { ApiError, CliError } from '../errors';
import { ago, fields, labelsText, short, table } from '../output';
import { confirm } from '../prompt';
import { Session } from '../session';
import { collect, parseLabels, seconds } from './parse';

type ClusterView = components['schemas']['ClusterView'];

/** A cluster name from a kubeconfig context name: lower case, DNS-1123 label. */
export function clusterNameFor(context: string): string {
  const name = context
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  if (!name) throw new CliError(`cannot make a cluster name of context "${context}"`, 'give one with --name');
  return name;
}

export function clusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('register and inspect Kubernetes clusters');

  cluster
    .command('add')
    .description('register the cluster of a kubeconfig context, with a ServiceAccount created for Flotilla')
    .argument('<context>', 'kubeconfig context')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--name <name>', 'cluster name in Flotilla (default: the context name)')
    .option('-l, --label <key=value>', 'label the cluster (repeatable)', collect, [])
    .option('--server <url>', "API server URL as Flotilla reaches it (default: the kubeconfig's)")
    .option('--use-current-credentials', "register the kubeconfig's own token or client certificate instead of creating a ServiceAccount")
    .option('--token-wait <seconds>', 'how long to wait for the token controller to fill the token Secret', '10')
    .option('--upsert', 'when the cluster is registered already, replace its server, CA and credentials (rotation)')
    .option('-y, --yes', 'do not ask before creating the ServiceAccount')
    .addHelpText(
      'after',
      `
Creates, with your kubeconfig's credentials, ServiceAccount ${ACCOUNT.namespace}/${ACCOUNT.serviceAccount},
ClusterRole ${ACCOUNT.clusterRole} (all rights), ClusterRoleBinding ${ACCOUNT.clusterRoleBinding} and the
token Secret ${ACCOUNT.namespace}/${ACCOUNT.secret}, then registers the API server, its CA and that
ServiceAccount's token. Your own credentials are not sent to Flotilla. When no token controller fills
the Secret (a control plane without kube-controller-manager), the token comes from the TokenRequest
API instead and expires after a year: run cluster add --upsert again before then.

Examples:
  flotilla cluster add prod-eu --label env=prod --label region=eu
  flotilla cluster add kind-dev --kubeconfig ~/.kube/kind --name dev
  flotilla cluster add ci --use-current-credentials     # registers the context's token as it is`,
    )
    .action(async (context: string, opts: AddOptions, cmd: Command) => {
      const session = Session.of(cmd);
      const name = opts.name ?? clusterNameFor(context);
      const labels = parseLabels(opts.label);
      const k = await loadKubeContext(context, opts.kubeconfig);
      let credentials: ClusterCredentialsBody;
      const tls = { ...(k.caData ? { caData: k.caData } : {}), insecureSkipVerify: k.skipTLSVerify };
      if (k.skipTLSVerify) session.note(session.errPaint.yellow(`warning: the kubeconfig skips TLS verification for ${k.server}; Flotilla will too`));
      if (opts.useCurrentCredentials) {
        credentials = { server: opts.server ?? k.server, tls, auth: currentCredentials(k) };
      } else {
        const ok =
          opts.yes ||
          (await confirm(`Create ServiceAccount ${ACCOUNT.namespace}/${ACCOUNT.serviceAccount} with full rights in the cluster of context "${context}" (${k.server})?`));
        if (!ok) throw new CliError('cancelled');
        const account = await provisionAccount(k, seconds(opts.tokenWait, '--token-wait') * 1000);
        if (account.source === 'tokenRequest') {
          session.note(
            session.errPaint.yellow(
              `warning: the token Secret ${ACCOUNT.namespace}/${ACCOUNT.secret} was not filled (no token controller?); registered a TokenRequest token that expires ${account.expiresAt ?? 'in a year'} — run cluster add --upsert again before then`,
            ),
          );
        }
        credentials = { server: opts.server ?? k.server, tls, auth: { type: 'bearerToken', token: account.token } };
      }
      let view: ClusterView;
      let verb = 'registered';
      try {
        view = await session.call(session.api.POST('/api/v1/clusters', { body: { name, labels, ...credentials } }));
      } catch (e) {
        if (!(opts.upsert && e instanceof ApiError && e.status === 409)) throw e;
        // rotation: the new credentials replace the stored ones; labels only when given
        view = await session.call(session.api.PATCH('/api/v1/clusters/{name}', { params: { path: { name } }, body: { ...credentials, ...(opts.label.length ? { labels } : {}) } }));
        verb = 'updated';
      }
      session.print(view, () => `Cluster "${view.name}" ${verb}: ${session.paint.status(view.status.phase)}${view.status.message ? ` — ${view.status.message}` : ''}`);
    });

  cluster
    .command('list')
    .alias('ls')
    .description('list clusters')
    .option('-l, --selector <selector>', 'label selector, e.g. env=prod,region in (eu,us)')
    .action(async (opts: { selector?: string }, cmd: Command) => {
      const session = Session.of(cmd);
      const items = await session.call(session.api.GET('/api/v1/clusters', { params: { query: { selector: opts.selector } } }));
      const p = session.paint;
      const wide = session.format === 'wide';
      session.print(items, () =>
        items.length
          ? table(
              ['name', 'server', 'phase', 'version', 'labels', 'checked', ...(wide ? ['message'] : [])],
              items.map((c) => [
                c.name,
                c.server,
                p.status(c.status.phase),
                c.status.kubernetesVersion ?? '-',
                labelsText(c.labels),
                ago(c.status.lastCheckedAt),
                ...(wide ? [short(c.status.message)] : []),
              ]),
            )
          : 'No clusters.',
      );
    });

  cluster
    .command('get')
    .description('show a cluster')
    .argument('<name>')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const c = await session.call(session.api.GET('/api/v1/clusters/{name}', { params: { path: { name } } }));
      session.print(c, () => describeCluster(session, c));
    });

  cluster
    .command('check')
    .description('probe a cluster now; exits 1 unless it is Connected')
    .argument('<name>')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const c = await session.call(session.api.POST('/api/v1/clusters/{name}/check', { params: { path: { name } } }));
      session.print(
        c,
        () =>
          `${c.name}: ${session.paint.status(c.status.phase)}${c.status.kubernetesVersion ? ` (${c.status.kubernetesVersion})` : ''}${c.status.message ? ` — ${c.status.message}` : ''}`,
      );
      if (c.status.phase !== 'Connected') process.exitCode = 1;
    });

  cluster
    .command('label')
    .description('set (key=value) or remove (key-) labels of a cluster')
    .argument('<name>')
    .argument('<labels...>', 'key=value to set, key- to remove')
    .addHelpText(
      'after',
      `
Examples:
  flotilla cluster label prod-eu env=prod tier=edge
  flotilla cluster label prod-eu tier-`,
    )
    .action(async (name: string, changes: string[], _opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const current = await session.call(session.api.GET('/api/v1/clusters/{name}', { params: { path: { name } } }));
      const labels = { ...current.labels };
      for (const change of changes) {
        if (change.endsWith('-') && !change.includes('=')) delete labels[change.slice(0, -1)];
        else Object.assign(labels, parseLabels([change]));
      }
      const c = await session.call(session.api.PATCH('/api/v1/clusters/{name}', { params: { path: { name } }, body: { labels } }));
      session.print(c, () => `${c.name}: ${labelsText(c.labels)}`);
    });

  cluster
    .command('remove')
    .alias('rm')
    .description('stop managing a cluster (its workloads keep running)')
    .argument('<name>')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      await session.call(session.api.DELETE('/api/v1/clusters/{name}', { params: { path: { name } } }));
      session.print({ removed: name }, () => `Cluster "${name}" removed; its workloads keep running.`);
    });
}

interface AddOptions {
  kubeconfig?: string;
  name?: string;
  label: string[];
  server?: string;
  useCurrentCredentials?: boolean;
  tokenWait: string;
  upsert?: boolean;
  yes?: boolean;
}

function describeCluster(session: Session, c: ClusterView): string {
  const p = session.paint;
  return fields([
    ['Name', c.name],
    ['Server', c.server],
    ['Labels', labelsText(c.labels)],
    ['Phase', p.status(c.status.phase)],
    ['Version', c.status.kubernetesVersion ?? '-'],
    ['Message', c.status.message ?? '-'],
    ['Checked', ago(c.status.lastCheckedAt)],
    ['Credentials', `${c.auth.type}${c.source === 'kubeconfig' ? ` (from kubeconfig${c.context ? ` context ${c.context}` : ''})` : ''}`],
    ['TLS', c.tls.insecureSkipVerify ? p.red('verification skipped') : c.tls.caData ? 'own CA' : 'system CAs'],
  ]);
}
