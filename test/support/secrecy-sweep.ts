// The secrecy sweep shared by the credential tests: where secrets must never be found, as named
// byte sources, and which of those sources hold a given value.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningApp } from './app';

export type Sources = Record<string, Buffer>;

/** `<what> in <where>` for every secret found in any source; empty when nothing leaked. */
export function leaks(secrets: ReadonlyArray<readonly [what: string, secret: string]>, sources: Sources): string[] {
  return secrets.flatMap(([what, secret]) =>
    Object.entries(sources)
      .filter(([, bytes]) => bytes.includes(secret))
      .map(([where]) => `${what} in ${where}`),
  );
}

/** The names of the sources holding `marker`: proof that a sweep reads real content. */
export function holding(sources: Sources, marker: string): string[] {
  return Object.entries(sources)
    .filter(([, bytes]) => bytes.includes(marker))
    .map(([where]) => where);
}

/** A running app's database file, WAL, logs and the answers collected so far (plus `extra`). */
export function liveSources(running: RunningApp, responses: readonly string[], extra: Sources = {}): Sources {
  const file = (name: string) => readFileSync(join(running.dataDir, name));
  return {
    'the database file': file('flotilla.sqlite'),
    'its WAL': file('flotilla.sqlite-wal'),
    'the logs': Buffer.from(running.logs.join('\n')),
    'the responses': Buffer.from(responses.join('\n')),
    ...extra,
  };
}

/** The database files left in a closed app's data directory. */
export function databaseAtRest(running: RunningApp): Sources {
  const files = readdirSync(running.dataDir).filter((f) => f.startsWith('flotilla.sqlite'));
  return Object.fromEntries(files.map((f) => [f, readFileSync(join(running.dataDir, f))]));
}

/** A property whose name says it holds a URL (`url`, `apiUrl`, `server`, `endpoint`, `proxy`, …). */
const URL_SHAPED_NAME = /(url|uri|server|endpoint|proxy|href)$/i;

/**
 * Every URL-shaped field of every request body the API takes, as `<Schema>.<property>`, read from
 * the committed openapi.json: properties of the request schemas (`*Dto`) named like a URL or with
 * `format: uri|url`, nested inline objects included. A sweep covers each one; a new URL field
 * makes that check fail until the sweep sends credentials in it too.
 */
export function urlShapedRequestFields(openapiFile: string): string[] {
  const doc = JSON.parse(readFileSync(openapiFile, 'utf8')) as { components: { schemas: Record<string, unknown> } };
  const found: string[] = [];
  const walk = (schema: unknown, path: string) => {
    const properties = (schema as { properties?: Record<string, { format?: string; type?: string }> } | null)?.properties ?? {};
    for (const [name, prop] of Object.entries(properties)) {
      if (URL_SHAPED_NAME.test(name) || prop?.format === 'uri' || prop?.format === 'url') found.push(`${path}.${name}`);
      walk(prop, `${path}.${name}`);
    }
  };
  for (const [name, schema] of Object.entries(doc.components.schemas)) if (name.endsWith('Dto')) walk(schema, name);
  return found.sort();
}
