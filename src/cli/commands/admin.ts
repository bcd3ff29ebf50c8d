// audit list|verify|head, token create|list|revoke.
import type { Command } from 'commander';
import { CliError } from '../errors';
import { ago, short, table } from '../output';
import { Session } from '../session';

export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit log');

  audit
    .command('list')
    .alias('ls')
    .description('audit entries, newest first')
    .option('--actor <token-name>', 'only entries by this token')
    .option('--action <action>', 'only this action, e.g. syncrun.finished')
    .option('--subject <subject>', 'only this subject, e.g. guestbook/prod-eu/web')
    .option('--since <time>', 'ISO-8601 time, inclusive')
    .option('--until <time>', 'ISO-8601 time, exclusive')
    .option('--limit <n>', 'how many', '50')
    .action(async (opts: { actor?: string; action?: string; subject?: string; since?: string; until?: string; limit: string }, cmd: Command) => {
      const session = Session.of(cmd);
      const { limit, ...filters } = opts;
      const page = await session.call(session.api.GET('/api/v1/audit', { params: { query: { ...filters, limit: Number(limit) } } }));
      const p = session.paint;
      session.print(page, () =>
        page.items.length
          ? table(
              ['seq', 'at', 'actor', 'action', 'subject', 'outcome'],
              page.items.map((e) => [String(e.seq), e.at, e.actor, e.action, short(e.subject, 60) || '-', p.status(e.outcome)]),
            )
          : 'No entries.',
      );
    });

  audit
    .command('verify')
    .description('check the hash chain; exits 1 when an entry was edited or removed')
    .option('--anchor <seq:hash>', 'a head recorded earlier (flotilla audit head), to catch a truncated tail too')
    .action(async (opts: { anchor?: string }, cmd: Command) => {
      const session = Session.of(cmd);
      const v = await session.call(session.api.GET('/api/v1/audit/verify', { params: { query: { anchor: opts.anchor } } }));
      session.print(v, () =>
        v.ok
          ? `${session.paint.green('ok')}: ${v.entries} entries verified${v.checkpointSeq !== undefined ? `, checkpoint at ${v.checkpointSeq}` : ''}`
          : `${session.paint.red('FAILED')}: ${v.reason ?? 'the chain does not verify'}${v.firstBadSeq !== undefined ? ` (first bad entry ${v.firstBadSeq})` : ''}`,
      );
      if (!v.ok) process.exitCode = 1;
    });

  audit
    .command('head')
    .description("the newest entry's seq and hash, to record outside Flotilla")
    .action(async (_opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const h = await session.call(session.api.GET('/api/v1/audit/head'));
      session.print(h, () => `${h.seq}:${h.hash}`);
    });
}

export function tokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens for people and CI');

  token
    .command('create')
    .description('create a token; it is shown this once')
    .argument('<name>')
    .requiredOption('--role <role>', 'viewer (read), operator (+ sync, rollback, refresh, check) or admin (all)')
    .addHelpText(
      'after',
      `
Examples:
  flotilla token create ci-deployer --role operator
  FLOTILLA_TOKEN=$(flotilla token create ci-reader --role viewer -o json | jq -r .token)`,
    )
    .action(async (name: string, opts: { role: string }, cmd: Command) => {
      const session = Session.of(cmd);
      if (!['viewer', 'operator', 'admin'].includes(opts.role)) throw new CliError(`unknown role "${opts.role}"`, 'use viewer, operator or admin');
      const created = await session.call(session.api.POST('/api/v1/tokens', { body: { name, role: opts.role as 'viewer' | 'operator' | 'admin' } }));
      session.print(created, () => `${created.token}\n`);
      if (!session.structured) session.note(`Token "${name}" (${created.role}) created; it is shown only this once.`);
    });

  token
    .command('list')
    .alias('ls')
    .description('list tokens (never the tokens themselves)')
    .action(async (_opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const items = await session.call(session.api.GET('/api/v1/tokens'));
      session.print(items, () =>
        items.length
          ? table(
              ['name', 'role', 'created by', 'created', 'last used'],
              items.map((t) => [t.name, t.role, t.createdBy, ago(t.createdAt), ago(t.lastUsedAt)]),
            )
          : 'No tokens.',
      );
    });

  token
    .command('revoke')
    .description('revoke a token: it stops authenticating at once')
    .argument('<name>')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      await session.call(session.api.DELETE('/api/v1/tokens/{name}', { params: { path: { name } } }));
      session.print({ revoked: name }, () => `Token "${name}" revoked.`);
    });
}
