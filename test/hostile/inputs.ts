// Hostile repository content, generated (never committed): what someone with push access could
// write to crash or stall Flotilla (issue 18). Shared by test/hostile/*.test.ts and
// test/bench/hostile.ts.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

export const MiB = 1024 * 1024;

/**
 * `documents` documents, each a ConfigMap whose first value is a `stringBytes` string anchored
 * once and aliased `aliases` times: small in git (it compresses), `documents × (aliases + 1) ×
 * stringBytes` once every alias is expanded.
 */
export function aliasBomb(documents = 12, aliases = 99, stringBytes = 4 * MiB): string {
  const big = 'x'.repeat(stringBytes);
  const doc = (d: number) => {
    const lines = [`apiVersion: v1`, `kind: ConfigMap`, `metadata:`, `  name: bomb-${d}`, `data:`, `  k0: &big ${big}`];
    for (let i = 1; i <= aliases; i++) lines.push(`  k${i}: *big`);
    return lines.join('\n');
  };
  return Array.from({ length: documents }, (_, d) => doc(d)).join('\n---\n') + '\n';
}

/** The classic: nine levels of ten aliases each, 10^9 strings once expanded. */
export function billionLaughs(): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: lol', 'data:', '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1];
    lines.push(`  ${names[i]}: &${names[i]} [${Array(10).fill(`*${prev}`).join(',')}]`);
  }
  return lines.join('\n') + '\n';
}

/** One ConfigMap whose data mapping has `keys` keys. */
export function wideMapping(keys: number, name = 'wide'): string {
  const parts = [`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n`];
  for (let i = 0; i < keys; i++) parts.push(`  k${i}: v\n`);
  return parts.join('');
}

/** `count` ConfigMaps, one document each. */
export function manyDocuments(count: number): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  i: "${i}"\n---\n`);
  return parts.join('');
}

/** A ConfigMap with one `bytes`-long value. */
export function bigScalar(bytes: number): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: ${'x'.repeat(bytes)}\n`;
}

/** `count` empty documents. */
export function emptyDocuments(count: number): string {
  return '---\n'.repeat(count);
}

/**
 * YAML 1.1 merge keys (`<<`), which copy every key of the merged mapping: each document anchors
 * a mapping of `keys` keys and merges it into `merges` others. About 1.1 MB of text that grows
 * a hundredfold into objects with the defaults.
 */
export function mergeKeyBomb(documents = 80, keys = 1000, merges = 99): string {
  const doc = (d: number) => {
    const lines = ['%YAML 1.1', '---', 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: merge-${d}`, 'base: &base'];
    for (let k = 0; k < keys; k++) lines.push(`  key${k}: v`);
    lines.push('copies:');
    for (let m = 0; m < merges; m++) lines.push(`  m${m}: { <<: *base, n: ${m} }`);
    lines.push('...');
    return lines.join('\n');
  };
  return Array.from({ length: documents }, (_, d) => doc(d)).join('\n') + '\n';
}

// ---- git objects written by hand: trees no work tree could hold ----

/** Writes a loose object into a bare repository; returns its SHA-1. */
export async function writeObject(bareDir: string, type: 'blob' | 'tree' | 'commit', content: Buffer): Promise<string> {
  const raw = Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]);
  const sha = createHash('sha1').update(raw).digest('hex');
  const dir = join(bareDir, 'objects', sha.slice(0, 2));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, sha.slice(2)), deflateSync(raw));
  return sha;
}

/** A tree object; entries are sorted as git requires. */
export async function writeTreeObject(bareDir: string, entries: Array<{ name: string; sha: string; tree: boolean }>): Promise<string> {
  const key = (e: { name: string; tree: boolean }) => (e.tree ? `${e.name}/` : e.name);
  const sorted = [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const parts = sorted.map((e) => Buffer.concat([Buffer.from(`${e.tree ? '40000' : '100644'} ${e.name}\0`), Buffer.from(e.sha, 'hex')]));
  return writeObject(bareDir, 'tree', Buffer.concat(parts));
}

/** Commits `tree` on `branch` of the bare repository (no parent); returns the commit SHA. */
export async function commitTree(bareDir: string, tree: string, message: string, branch = 'main'): Promise<string> {
  const who = 'Mallory <mallory@example.test> 1700000000 +0000';
  const sha = await writeObject(bareDir, 'commit', Buffer.from(`tree ${tree}\nauthor ${who}\ncommitter ${who}\n\n${message}\n`));
  await mkdir(join(bareDir, 'refs', 'heads'), { recursive: true });
  await writeFile(join(bareDir, 'refs', 'heads', branch), `${sha}\n`);
  return sha;
}

/** A git bomb: `levels` levels of trees, each holding `width` entries of the same tree below. */
export async function gitBomb(bareDir: string, levels = 10, width = 10): Promise<string> {
  let sha = await writeObject(bareDir, 'blob', Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n'));
  let tree = false;
  for (let level = 0; level < levels; level++) {
    const entries = Array.from({ length: width }, (_, i) => ({ name: tree ? `d${i}` : `f${i}.yaml`, sha, tree }));
    sha = await writeTreeObject(bareDir, entries);
    tree = true;
  }
  return commitTree(bareDir, sha, `git bomb: ${levels} levels of ${width}`);
}

/** One file `levels` directories deep (`a/a/a/…/x.yaml`), beside a harmless `apps/ok/cm.yaml`. */
export async function deepTree(bareDir: string, levels: number): Promise<string> {
  const blob = await writeObject(bareDir, 'blob', Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\n'));
  let sha = await writeTreeObject(bareDir, [{ name: 'x.yaml', sha: blob, tree: false }]);
  for (let level = 1; level < levels; level++) sha = await writeTreeObject(bareDir, [{ name: 'a', sha, tree: true }]);
  const ok = await writeTreeObject(bareDir, [{ name: 'cm.yaml', sha: blob, tree: false }]);
  const apps = await writeTreeObject(bareDir, [{ name: 'ok', sha: ok, tree: true }]);
  const root = await writeTreeObject(bareDir, [
    { name: 'a', sha, tree: true },
    { name: 'apps', sha: apps, tree: true },
  ]);
  return commitTree(bareDir, root, `${levels} levels deep`);
}
