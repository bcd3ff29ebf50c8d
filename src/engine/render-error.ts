// What a render produces and how it fails; kept apart from render.ts so that the parse worker
// (manifest-worker.ts) loads only the parser.
import { DomainError } from '../shared/errors';
import { quoteName } from '../git/quote-name';
import type { KubeObject } from './objects';

export interface RenderedObject {
  object: KubeObject;
  /** where it came from, for messages: `apps/x/b.yaml:7` */
  source: { file: string; line: number };
}

/**
 * The repository's content cannot be rendered (the file and line say where): a 422 at the API.
 * The file name is shown quoted when it holds anything but ordinary characters, so a name with
 * a newline cannot forge a log line.
 */
export class RenderError extends DomainError {
  override readonly name = 'RenderError';
  readonly kind = 'unprocessable';
  /** `transient`: about this attempt (a timeout), not the commit's content; worth trying again */
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
    readonly transient = false,
  ) {
    super(line ? `${quoteName(file)}:${line}: ${detail}` : `${quoteName(file)}: ${detail}`);
  }
}
