// channel add|list|get|test|deliveries|redeliver|remove.
import type { Command } from 'commander';
import type { components } from '../api-schema';
import { CliError } from '../errors';
import { ago, fields, short, table } from '../output';
import { secretFrom } from '../prompt';
import { Session } from '../session';
import { collect, parseLabels, seconds } from './parse';

type ChannelView = components['schemas']['ChannelView'];
type CreateChannel = components['schemas']['CreateChannelDto'];

interface AddOptions {
  slackChannel?: string;
  slackTokenFile?: string;
  webhookUrl?: string;
  webhookSecretFile?: string;
  header: string[];
  timeout?: string;
}

export function channelCommands(program: Command): void {
  const channel = program.command('channel').description('where hooks are delivered: Slack channels and webhooks');

  channel
    .command('add')
    .description('add a Slack or webhook channel')
    .argument('<name>')
    .option('--slack-channel <channel>', 'Slack channel, e.g. #deploys')
    .option('--slack-token-file <file>', 'file holding the Slack bot token (chat:write); - reads stdin')
    .option('--webhook-url <url>', 'receiver URL for CloudEvents')
    .option('--webhook-secret-file <file>', 'file holding the signing secret (Standard Webhooks); - reads stdin')
    .option('--header <name=value>', 'extra header sent to the webhook (repeatable; values are write-only)', collect, [])
    .option('--timeout <duration>', 'webhook timeout (default 10s)')
    .addHelpText(
      'after',
      `
Examples:
  printf %s "$SLACK_BOT_TOKEN" | flotilla channel add ops-slack --slack-channel '#deploys' --slack-token-file -
  flotilla channel add change-gate --webhook-url https://gate.example.com/flotilla --webhook-secret-file secret.txt --header X-Team=platform`,
    )
    .action(async (name: string, opts: AddOptions, cmd: Command) => {
      const session = Session.of(cmd);
      const slack = opts.slackChannel || opts.slackTokenFile;
      if (!!slack === !!opts.webhookUrl) throw new CliError('give either --slack-channel with --slack-token-file, or --webhook-url');
      let body: CreateChannel;
      if (slack) {
        if (!opts.slackChannel || !opts.slackTokenFile) throw new CliError('a Slack channel needs --slack-channel and --slack-token-file');
        body = { name, type: 'slack', slack: { channel: opts.slackChannel, token: await secretFrom(opts.slackTokenFile, 'the Slack token') } };
      } else {
        body = {
          name,
          type: 'webhook',
          webhook: {
            url: opts.webhookUrl,
            ...(opts.webhookSecretFile ? { secret: await secretFrom(opts.webhookSecretFile, 'the webhook secret') } : {}),
            ...(opts.header.length ? { headers: parseLabels(opts.header) } : {}),
            ...(opts.timeout ? { timeoutSeconds: seconds(opts.timeout, '--timeout') } : {}),
          },
        };
      }
      const created = await session.call(session.api.POST('/api/v1/channels', { body }));
      session.print(created, () => `Channel "${created.name}" added (${created.type}). Try it: flotilla channel test ${created.name}`);
    });

  channel
    .command('list')
    .alias('ls')
    .description('list channels')
    .action(async (_opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const items = await session.call(session.api.GET('/api/v1/channels'));
      session.print(items, () =>
        items.length
          ? table(
              ['name', 'type', 'destination', 'paused until'],
              items.map((c) => [c.name, c.type, destinationOf(c), c.pausedUntil ?? '-']),
            )
          : 'No channels.',
      );
    });

  channel
    .command('get')
    .description('show a channel')
    .argument('<name>')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const c = await session.call(session.api.GET('/api/v1/channels/{name}', { params: { path: { name } } }));
      session.print(c, () =>
        fields([
          ['Name', c.name],
          ['Type', c.type],
          ['Destination', destinationOf(c)],
          ...(c.slack ? [['Token', c.slack.hasToken ? 'set' : 'missing'] as [string, string]] : []),
          ...(c.webhook
            ? ([
                ['Secret', c.webhook.hasSecret ? 'set' : 'none'],
                ['Headers', c.webhook.headers.join(', ') || '-'],
                ['Timeout', `${c.webhook.timeoutSeconds}s`],
              ] as [string, string][])
            : []),
          ['Paused until', c.pausedUntil ?? '-'],
        ]),
      );
    });

  channel
    .command('test')
    .description('send a test message; exits 1 if it was not delivered')
    .argument('<name>')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const r = await session.call(session.api.POST('/api/v1/channels/{name}/test', { params: { path: { name } } }));
      session.print(r, () => `${name}: ${r.ok ? session.paint.green('delivered') : session.paint.red('not delivered')}${r.status ? ` (HTTP ${r.status})` : ''} — ${r.message}`);
      if (!r.ok) process.exitCode = 1;
    });

  channel
    .command('deliveries')
    .description('delivery attempts and outcomes, newest first')
    .argument('<name>')
    .option('--limit <n>', 'how many', '20')
    .action(async (name: string, opts: { limit: string }, cmd: Command) => {
      const session = Session.of(cmd);
      const page = await session.call(session.api.GET('/api/v1/channels/{name}/deliveries', { params: { path: { name }, query: { limit: Number(opts.limit) } } }));
      const p = session.paint;
      session.print(page.items, () =>
        page.items.length
          ? table(
              ['id', 'event', 'subject', 'state', 'attempts', 'last', 'created'],
              page.items.map((d) => [
                d.id,
                d.event,
                d.subject ?? d.application ?? '-',
                p.status(d.state),
                String(d.attempts),
                d.lastError ? short(`${d.lastStatus ?? ''} ${d.lastError}`.trim(), 60) : d.lastStatus ? String(d.lastStatus) : '-',
                ago(d.createdAt),
              ]),
            )
          : 'No deliveries yet.',
      );
    });

  channel
    .command('redeliver')
    .description('send a delivery again')
    .argument('<name>')
    .argument('<delivery-id>')
    .action(async (name: string, id: string, _opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const d = await session.call(session.api.POST('/api/v1/channels/{name}/deliveries/{id}/redeliver', { params: { path: { name, id } } }));
      session.print(d, () => `Delivery ${id} queued again (${d.state}).`);
    });

  channel
    .command('remove')
    .alias('rm')
    .description('remove a channel (refused while a hook uses it)')
    .argument('<name>')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      await session.call(session.api.DELETE('/api/v1/channels/{name}', { params: { path: { name } } }));
      session.print({ removed: name }, () => `Channel "${name}" removed.`);
    });
}

function destinationOf(c: ChannelView): string {
  return c.slack ? c.slack.channel : c.webhook ? c.webhook.url : '-';
}
