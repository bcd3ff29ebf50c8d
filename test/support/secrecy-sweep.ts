// The secrecy sweep shared by the credential tests: where secrets must never be found, as named
// byte sources, and which of those sources hold a given value.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningApp } from './app';

export type Sources = Record<string, Buffer>;

/** `<what> in <where>` for every secret found in any source; empty when nothing leaked. */
export function leaks(secrets: ReadonlyArray<readonly [what: string, secret: string]>, sources: Sources): string[] {
  return secrets.flatMap(([what, secret]) => Object.entries(sources).filter(([, bytes]) => bytes.includes(secret)).map(([where]) => `${what} in ${where}`));
}

/** The names of the sources holding `marker`: proof that a sweep reads real content. */
export function holding(sources: Sources, marker: string): string[] {
  return Object.entries(sources).filter(([, bytes]) => bytes.includes(marker)).map(([where]) => where);
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
