// The command tree. Each group of commands lives in commands/; this file only assembles them and
// declares the options every command takes.
import { Command, Option } from 'commander';
import { applicationCommands } from './commands/applications';
import { auditCommands, tokenCommands } from './commands/admin';
import { authCommands } from './commands/auth';
import { channelCommands } from './commands/channels';
import { clusterCommands } from './commands/clusters';
import { completionCommand } from './commands/completion';
import { repositoryCommands } from './commands/repositories';

export const CLI_VERSION = '0.1.0';

export function buildProgram(): Command {
  const program = new Command('flotilla')
    .description("Flotilla, the GitOps fleet manager, from the command line: it talks only to Flotilla's REST API")
    .version(CLI_VERSION, '--version')
    .addOption(new Option('--context <name>', 'use this context instead of the current one'))
    .addOption(new Option('--server <url>', 'talk to this server (overrides the context; env FLOTILLA_SERVER)'))
    .addOption(new Option('--ca-file <file>', 'trust the CAs in this PEM file for an https server (env FLOTILLA_CA_FILE)'))
    .addOption(new Option('-o, --output <format>', 'table (default), wide, json or yaml'))
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .addHelpText(
      'after',
      `
Environment:
  FLOTILLA_SERVER, FLOTILLA_TOKEN   override the current context's server and token
  FLOTILLA_CA_FILE                  extra CAs to trust (PEM), as --ca-file
  NO_COLOR                          no colours, even on a terminal

Contexts are kept in ~/.config/flotilla/config.yaml (mode 0600; $XDG_CONFIG_HOME is honoured).

Examples:
  flotilla login http://127.0.0.1:8080 --token "$(cat data/admin-token)"
  flotilla cluster add kind-dev --label env=staging
  flotilla repo add deploy https://git.example.com/ops/deploy.git
  flotilla app create -f guestbook.yaml
  flotilla app sync guestbook --wait
  flotilla app diff guestbook; echo "exit $?"     # 0 in sync, 1 differences, 2 error
  flotilla app list -o json`,
    );
  authCommands(program);
  clusterCommands(program);
  repositoryCommands(program);
  applicationCommands(program);
  channelCommands(program);
  auditCommands(program);
  tokenCommands(program);
  completionCommand(program);
  return program;
}
