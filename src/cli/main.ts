// Entry point of the `flotilla` command (bin/flotilla.js loads it). Every failure ends here as one
// line on stderr — the message, then what to do — and an exit code: 1 for failures, 2 for
// `app diff` errors; commander's own usage errors exit 1 with its message.
import { CliError } from './errors';
import { colorsOn, paint } from './output';
import { buildProgram } from './program';

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const p = paint(colorsOn(process.stderr));
    if (e instanceof CliError) {
      process.stderr.write(`${p.red('error:')} ${e.message}${e.hint ? ` — ${e.hint}` : ''}\n`);
      process.exitCode = e.exitCode;
    } else {
      // a bug of the CLI, not a failure of the request: show where
      process.stderr.write(`${p.red('error:')} ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    }
  }
}

// run directly (node -r @swc-node/register src/cli/main.ts); bin/flotilla.js calls main() itself
if (require.main === module) {
  void main(process.argv);
}
