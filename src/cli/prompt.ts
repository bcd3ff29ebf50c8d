// Secrets typed at a terminal (not echoed) or piped in on stdin — never taken from a file the
// command line names unless asked, and never echoed back.
import { readFileSync } from 'node:fs';
import { CliError } from './errors';

/** The first line of stdin when it is piped; a hidden prompt on stderr when it is a terminal. */
export async function readSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return firstLine(await readAll(stdin));
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  let value = '';
  return new Promise((done, fail) => {
    const finish = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) fail(err);
      else done(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new CliError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** A secret from a file, or from stdin when the file is `-`; a trailing newline is dropped. */
export async function secretFrom(file: string, what: string): Promise<string> {
  try {
    const text = file === '-' ? await readAll(process.stdin) : readFileSync(file, 'utf8');
    return text.replace(/\r?\n$/, '');
  } catch (e) {
    throw new CliError(`cannot read ${what} from ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

const firstLine = (text: string) => text.split(/\r?\n/)[0] ?? '';

/** y/N on a terminal; off a terminal nobody can answer, so --yes is required. */
export async function confirm(question: string): Promise<boolean> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new CliError('not on a terminal, so nobody can confirm', 'pass --yes');
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
