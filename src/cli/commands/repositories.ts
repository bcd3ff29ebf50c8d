// repo add|list|get|refresh|remove.
import type { Command } from 'commander';
import type { components } from '../api-schema';
import { CliError } from '../errors';
import { ago, fields, short, table } from '../output';
import { secretFrom } from '../prompt';
import { Session } from '../session';

type RepositoryView = components['schemas']['RepositoryView'];
type CreateRepository = components['schemas']['CreateRepositoryDto'];

interface AddOptions {
  branch?: string;
  pollInterval?: string;
  username?: string;
  passwordFile?: string;
  sshKey?: string;
  knownHosts?: string;
  webhookSecretFile?: string;
}

export function repositoryCommands(program: Command): void {
  const repo = program.command('repo').description('git repositories Flotilla mirrors');

  repo
    .command('add')
    .description('register a git repository')
    .argument('<name>')
    .argument('<url>', 'https://… or ssh://… clone URL')
    .option('--branch <branch>', 'branch to follow (default: main)')
    .option('--poll-interval <seconds>', 'how often to fetch (default: 120)')
    .option('--username <user>', 'HTTP basic auth user (with --password-file)')
    .option('--password-file <file>', 'file holding the HTTP password or access token; - reads stdin')
    .option('--ssh-key <file>', 'private key file for ssh:// URLs; - reads stdin')
    .option('--known-hosts <file>', 'known_hosts lines for the SSH host')
    .option('--webhook-secret-file <file>', 'file holding the push webhook secret; - reads stdin')
    .addHelpText(
      'after',
      `
Secrets are read from files (or stdin with -), never taken on the command line, and are write-only:
the server stores them encrypted and never shows them again.

Examples:
  flotilla repo add deploy https://git.example.com/ops/deploy.git --branch main
  printf %s "$GIT_TOKEN" | flotilla repo add deploy https://git.example.com/ops/deploy.git --username ci --password-file -
  flotilla repo add infra ssh://git@git.example.com/ops/infra.git --ssh-key ~/.ssh/deploy_key --known-hosts known_hosts`,
    )
    .action(async (name: string, url: string, opts: AddOptions, cmd: Command) => {
      const session = Session.of(cmd);
      const body: CreateRepository = { name, url };
      if (opts.branch) body.branch = opts.branch;
      if (opts.pollInterval) body.pollIntervalSeconds = Number(opts.pollInterval);
      if (opts.sshKey && (opts.username || opts.passwordFile)) throw new CliError('give either --ssh-key or --username/--password-file, not both');
      if (opts.passwordFile || opts.username) {
        if (!opts.passwordFile || !opts.username) throw new CliError('HTTP auth needs both --username and --password-file');
        body.auth = { type: 'basic', username: opts.username, password: await secretFrom(opts.passwordFile, 'the password') };
      }
      if (opts.sshKey) {
        body.auth = {
          type: 'sshKey',
          privateKey: await secretFrom(opts.sshKey, 'the SSH key'),
          ...(opts.knownHosts ? { knownHosts: await secretFrom(opts.knownHosts, 'known hosts') } : {}),
        };
      }
      if (opts.webhookSecretFile) body.webhookSecret = await secretFrom(opts.webhookSecretFile, 'the webhook secret');
      const created = await session.call(session.api.POST('/api/v1/repositories', { body }));
      session.print(
        created,
        () => `Repository "${created.name}" registered: ${created.status.revision ? `at ${created.status.revision.slice(0, 12)}` : created.status.message || 'not fetched yet'}`,
      );
    });

  repo
    .command('list')
    .alias('ls')
    .description('list repositories')
    .action(async (_opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const items = await session.call(session.api.GET('/api/v1/repositories'));
      session.print(items, () =>
        items.length
          ? table(
              ['name', 'url', 'branch', 'revision', 'fetched', 'message'],
              items.map((r) => [r.name, r.url, r.branch, r.status.revision?.slice(0, 12) ?? '-', ago(r.status.lastFetchedAt), short(r.status.message, 60)]),
            )
          : 'No repositories.',
      );
    });

  repo
    .command('get')
    .description('show a repository')
    .argument('<name>')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const r = await session.call(session.api.GET('/api/v1/repositories/{name}', { params: { path: { name } } }));
      session.print(r, () => describeRepository(r));
    });

  repo
    .command('refresh')
    .description('fetch a repository now and show the revisions it resolved')
    .argument('<name>')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const r = await session.call(session.api.POST('/api/v1/repositories/{name}/refresh', { params: { path: { name } } }));
      session.print(r, () => `${name}: ${r.revision ? r.revision.slice(0, 12) : '-'}${r.moved ? ' (moved)' : ' (unchanged)'}`);
    });

  repo
    .command('remove')
    .alias('rm')
    .description('forget a repository (refused while an application uses it)')
    .argument('<name>')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      await session.call(session.api.DELETE('/api/v1/repositories/{name}', { params: { path: { name } } }));
      session.print({ removed: name }, () => `Repository "${name}" removed.`);
    });
}

function describeRepository(r: RepositoryView): string {
  const auth = r.auth ? (r.auth.type === 'basic' ? `basic (user ${r.auth.username ?? '?'})` : 'SSH key') : 'none';
  return fields([
    ['Name', r.name],
    ['URL', r.url],
    ['Branch', r.branch],
    ['Poll every', `${r.pollIntervalSeconds}s`],
    ['Auth', auth],
    ['Webhook secret', r.hasWebhookSecret ? 'set' : 'none'],
    ['Revision', r.status.revision ?? '-'],
    ['Fetched', ago(r.status.lastFetchedAt)],
    ['Message', r.status.message || '-'],
  ]);
}
