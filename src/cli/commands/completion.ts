// `flotilla completion bash|zsh`: static completion scripts generated from the command tree, so
// they never fall behind the commands and cost no process start per <Tab>.
import type { Command, Option } from 'commander';
import { CliError } from '../errors';

interface Node {
  path: string;
  subcommands: { name: string; description: string }[];
  /** the values an argument takes, when it names them (app rollout NAME pause|resume|…) */
  choices: { name: string; description: string }[];
  options: string[];
}

const FILE_OPTIONS = ['-f', '--file', '--kubeconfig', '--ca-file', '--ssh-key', '--known-hosts', '--password-file', '--slack-token-file', '--webhook-secret-file'];
const FORMATS = 'table wide json yaml';

function flagsOf(options: readonly Option[]): string[] {
  return options.flatMap((o) => [o.short, o.long].filter((f): f is string => !!f));
}

function walk(cmd: Command, globals: string[], path = ''): Node[] {
  const subs = cmd.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden);
  const node: Node = {
    path,
    subcommands: subs.map((c) => ({ name: c.name(), description: c.description() })),
    choices: cmd.registeredArguments.flatMap((a) => (a.argChoices ?? []).map((name) => ({ name, description: a.name() }))),
    options: [...new Set([...flagsOf(cmd.options), ...globals, '--help'])],
  };
  return [node, ...subs.flatMap((c) => walk(c, globals, path ? `${path} ${c.name()}` : c.name()))];
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashScript(program: Command): string {
  const nodes = walk(program, flagsOf(program.options));
  const cases = (f: (n: Node) => string) => nodes.map((n) => `    ${quote(n.path)}) echo ${quote(f(n))} ;;`).join('\n');
  return `# flotilla completion for bash. Load it with:  source <(flotilla completion bash)
# or install it:  flotilla completion bash > /etc/bash_completion.d/flotilla
_flotilla_subcommands() {
  case "$1" in
${cases((n) => n.subcommands.map((s) => s.name).join(' '))}
  esac
}
_flotilla_words() {
  case "$1" in
${cases((n) => [...n.subcommands.map((s) => s.name), ...n.choices.map((c) => c.name), ...n.options].join(' '))}
  esac
}
_flotilla() {
  local cur prev cmdpath w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmdpath=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    if [[ " $(_flotilla_subcommands "$cmdpath") " == *" $w "* ]]; then cmdpath="\${cmdpath:+$cmdpath }$w"; fi
  done
  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W ${quote(FORMATS)} -- "$cur")); return ;;
    ${FILE_OPTIONS.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W "$(_flotilla_words "$cmdpath")" -- "$cur"))
}
complete -F _flotilla flotilla
`;
}

export function zshScript(program: Command): string {
  const nodes = walk(program, flagsOf(program.options));
  const described = nodes
    .map((n) => `    ${quote(n.path)}) print -rl -- ${[...n.subcommands, ...n.choices].map((s) => quote(`${s.name}:${s.description.replace(/\s+/g, ' ')}`)).join(' ') || "''"} ;;`)
    .join('\n');
  const options = nodes.map((n) => `    ${quote(n.path)}) print -r -- ${quote(n.options.join(' '))} ;;`).join('\n');
  const names = nodes.map((n) => `    ${quote(n.path)}) print -r -- ${quote(n.subcommands.map((s) => s.name).join(' '))} ;;`).join('\n');
  return `#compdef flotilla
# flotilla completion for zsh. Load it with:  source <(flotilla completion zsh)   (after compinit)
# or install it as _flotilla in a directory of $fpath.
_flotilla_subcommands() {
  case "$1" in
${names}
  esac
}
_flotilla_described() {
  case "$1" in
${described}
  esac
}
_flotilla_options() {
  case "$1" in
${options}
  esac
}
_flotilla() {
  local cmdpath="" w i
  local -a subs
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    [[ "$w" == -* ]] && continue
    case " $(_flotilla_subcommands "$cmdpath") " in
      *" $w "*) cmdpath="\${cmdpath:+$cmdpath }$w" ;;
    esac
  done
  case "\${words[CURRENT-1]}" in
    -o|--output) compadd -- ${FORMATS}; return ;;
    ${FILE_OPTIONS.join('|')}) _files; return ;;
  esac
  subs=(\${(f)"$(_flotilla_described "$cmdpath")"})
  subs=(\${subs:#})
  if [[ "\${words[CURRENT]}" == -* ]]; then
    compadd -- \${=$(_flotilla_options "$cmdpath")}
  elif (( \${#subs} )); then
    _describe 'command' subs
  fi
}
if (( $+functions[compdef] )); then compdef _flotilla flotilla; fi
`;
}

export function completionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh)')
    .argument('<shell>', 'bash or zsh')
    .addHelpText(
      'after',
      `
Examples:
  source <(flotilla completion bash)                 # in ~/.bashrc
  source <(flotilla completion zsh)                  # in ~/.zshrc, after compinit
  flotilla completion zsh > "\${fpath[1]}/_flotilla"`,
    )
    .action((shell: string) => {
      if (shell === 'bash') process.stdout.write(bashScript(program));
      else if (shell === 'zsh') process.stdout.write(zshScript(program));
      else throw new CliError(`no completion for "${shell}"`, 'use bash or zsh');
    });
}
