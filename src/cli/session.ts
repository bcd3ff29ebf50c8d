// What every command gets: where to print, in which format and colours, and the API of the
// server it talks to (resolved only when a command needs it, so `context list` needs no server).
import type { Command } from 'commander';
import { apiFor, ok, type Api } from './client';
import { resolveTarget, type Target } from './config';
import { colorsOn, paint, parseFormat, structured, type Format, type Paint } from './output';

export interface GlobalOptions {
  context?: string;
  server?: string;
  caFile?: string;
  output?: string;
}

export class Session {
  readonly format: Format;
  readonly paint: Paint;
  /** colours for what goes to stderr (progress, warnings) */
  readonly errPaint: Paint;
  private resolved?: { target: Target; api: Api };

  constructor(
    readonly options: GlobalOptions,
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.format = parseFormat(options.output);
    this.paint = paint(colorsOn(stdout, env));
    this.errPaint = paint(colorsOn(stderr, env));
  }

  static of(command: Command): Session {
    return new Session(command.optsWithGlobals<GlobalOptions>());
  }

  get target(): Target {
    return this.connect().target;
  }

  get api(): Api {
    return this.connect().api;
  }

  /** The data of a successful call, or an error with the server's message and a hint. */
  call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    return ok(this.target, request);
  }

  private connect() {
    if (!this.resolved) {
      const target = resolveTarget({ context: this.options.context, server: this.options.server, caFile: this.options.caFile }, this.env);
      this.resolved = { target, api: apiFor(target) };
    }
    return this.resolved;
  }

  get structured(): boolean {
    return this.format === 'json' || this.format === 'yaml';
  }

  out(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A note for people (progress, warnings): stderr, so stdout stays clean for -o json. */
  note(text: string): void {
    this.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** `data` as JSON/YAML when asked for, else the human rendering. */
  print(data: unknown, human: () => string): void {
    this.out(structured(this.format, data) ?? human());
  }
}
