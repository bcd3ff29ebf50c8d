// login, context list|use|remove, whoami.
import type { Command } from 'commander';
import { apiFor, ok } from '../client';
import { configPath, contextNameFor, normalizeServer, readConfig, upsertContext, writeConfig, type Target } from '../config';
import { CliError } from '../errors';
import { fields, table } from '../output';
import { Session } from '../session';
import { readSecret } from '../prompt';

export function authCommands(program: Command): void {
  program
    .command('login')
    .description('log in to a Flotilla server and make it the current context')
    .argument('<server>', 'the server URL, e.g. https://flotilla.example.com')
    .option('--token <token>', 'API token (prompted for, or read from stdin, when missing)')
    .option('--name <context>', "context name (default: the server's host:port)")
    .addHelpText(
      'after',
      `
Examples:
  flotilla login https://flotilla.example.com            # prompts for the token
  flotilla login http://127.0.0.1:8080 --token "$(cat data/admin-token)"
  echo "$TOKEN" | flotilla login https://flotilla.internal --ca-file ca.pem --name prod`,
    )
    .action(async (server: string, opts: { token?: string; name?: string }, cmd: Command) => {
      const session = Session.of(cmd);
      const url = normalizeServer(server);
      const token = (opts.token ?? (await readSecret('Token: '))).trim();
      if (!token) throw new CliError('no token given', 'pass --token, or type it at the prompt');
      const caFile = session.options.caFile ?? session.env.FLOTILLA_CA_FILE;
      const target: Target = { server: url, token, caFile, tokenSource: 'context' };
      // any authenticated read proves the token; the audit head is one row
      await ok(target, apiFor(target).GET('/api/v1/audit/head'));
      const name = opts.name ?? contextNameFor(url);
      const file = configPath(session.env);
      writeConfig(upsertContext(readConfig(file), { name, server: url, token, ...(caFile ? { caFile } : {}) }), file);
      session.out(`Logged in to ${url} as context "${name}" (saved in ${file})`);
    });

  const context = program.command('context').description('list and switch contexts (servers you logged in to)');
  context
    .command('list')
    .alias('ls')
    .description('list contexts')
    .action((_opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const config = readConfig(configPath(session.env));
      const items = config.contexts.map((c) => ({ name: c.name, server: c.server, current: c.name === config.currentContext, ...(c.caFile ? { caFile: c.caFile } : {}) }));
      session.print(items, () =>
        items.length
          ? table(
              ['current', 'name', 'server'],
              items.map((c) => [c.current ? '*' : '', c.name, c.server]),
            )
          : 'No contexts yet: flotilla login SERVER',
      );
    });
  context
    .command('use')
    .description('make a context the current one')
    .argument('<name>')
    .action((name: string, _opts: unknown, cmd: Command) => {
      const { session, file, config } = namedContext(cmd, name);
      writeConfig({ ...config, currentContext: name }, file);
      session.out(`Switched to context "${name}"`);
    });
  context
    .command('remove')
    .alias('rm')
    .description('forget a context and its token')
    .argument('<name>')
    .action((name: string, _opts: unknown, cmd: Command) => {
      const { session, file, config } = namedContext(cmd, name);
      writeConfig({ currentContext: config.currentContext === name ? undefined : config.currentContext, contexts: config.contexts.filter((c) => c.name !== name) }, file);
      session.out(`Removed context "${name}"`);
    });

  program
    .command('whoami')
    .description('show the server and context in use, and check that the token works')
    .action(async (_opts: unknown, cmd: Command) => {
      const session = Session.of(cmd);
      const t = session.target;
      if (!t.token) throw new CliError(`no token for ${t.server}`, `log in: flotilla login ${t.server}`);
      const head = await session.call(session.api.GET('/api/v1/audit/head'));
      const info = { server: t.server, context: t.context ?? null, tokenFrom: t.tokenSource, tokenAccepted: true, auditHead: head.seq };
      session.print(info, () =>
        fields([
          ['Server', t.server],
          ['Context', t.context ?? '(none: FLOTILLA_SERVER)'],
          ['Token from', t.tokenSource === 'FLOTILLA_TOKEN' ? 'FLOTILLA_TOKEN' : `${configPath(session.env)}`],
          ['Token', session.paint.green('accepted')],
        ]),
      );
    });
}

/** The CLI's config file and its contents, when it holds a context called `name`. */
function namedContext(cmd: Command, name: string) {
  const session = Session.of(cmd);
  const file = configPath(session.env);
  const config = readConfig(file);
  if (!config.contexts.some((c) => c.name === name)) throw new CliError(`no context "${name}"`, 'see flotilla context list');
  return { session, file, config };
}
