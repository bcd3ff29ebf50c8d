// Rendering turns a directory of an application's repository into objects. The plain-manifest
// renderer is the default (SPEC §3 step 2); Kustomize and Helm plug in behind the same interface.
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { KubeObject } from './objects';

export interface RenderedObject {
  object: KubeObject;
  /** where it came from, for messages: `apps/x/b.yaml:7` */
  source: { file: string; line: number };
}

export interface RenderContext {
  /** the application, e.g. Helm's release name */
  application: string;
  /** the target namespace */
  namespace: string;
}

export interface Renderer {
  /** `dir` is inside the checkout; file names in results and errors are relative to `root`. */
  render(root: string, dir: string, context: RenderContext): Promise<RenderedObject[]>;
}

/** A manifest that cannot become objects; nothing of the run is applied. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  constructor(readonly file: string, readonly line: number | undefined, readonly detail: string) {
    super(line ? `${file}:${line}: ${detail}` : `${file}: ${detail}`);
  }
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** Every *.yaml|*.yml|*.json below a directory, in sorted path order, multi-document, Lists flattened. */
export class PlainManifestRenderer implements Renderer {
  async render(root: string, dir: string, _context?: RenderContext): Promise<RenderedObject[]> {
    const rootReal = realpathSync(root);
    const start = join(root, dir);
    const rel = relative(root, start);
    if (rel.startsWith('..') || rel.split(sep).includes('..')) throw new RenderError(dir, undefined, 'path leaves the repository');
    const out: RenderedObject[] = [];
    for (const file of listManifests(rootReal, start, root)) {
      const name = relative(root, file).split(sep).join('/');
      out.push(...parseManifest(name, readFileSync(file, 'utf8')));
    }
    return out;
  }
}

function listManifests(rootReal: string, dir: string, root: string, seen = new Set<string>()): string[] {
  const real = inside(rootReal, dir, root);
  if (seen.has(real)) return [];
  seen.add(real);
  const files: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.')) continue;
    const path = join(dir, entry);
    const link = lstatSync(path).isSymbolicLink();
    if (link) inside(rootReal, path, root);
    const stat = link ? statSync(path) : lstatSync(path);
    if (stat.isDirectory()) files.push(...listManifests(rootReal, path, root, seen));
    else if (stat.isFile() && MANIFEST.test(entry)) files.push(path);
  }
  return files;
}

/** The real path of `path`, refusing one that resolves outside the repository. */
function inside(rootReal: string, path: string, root: string): string {
  const real = realpathSync(path);
  if (real !== rootReal && !real.startsWith(rootReal + sep)) {
    throw new RenderError(relative(root, path).split(sep).join('/'), undefined, 'symlink leaves the repository; refused');
  }
  return real;
}

/** Parses one manifest file; exported for unit tests. */
export function parseManifest(file: string, text: string): RenderedObject[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const out: RenderedObject[] = [];
  if (!Array.isArray(docs)) return out; // an empty stream
  for (const doc of docs) {
    const problem = doc.errors[0];
    if (problem) {
      const line = lines.linePos(problem.pos[0]).line;
      throw new RenderError(file, line, `invalid YAML: ${firstLine(problem.message)}`);
    }
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const line = lines.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
    for (const object of flatten(value, file, line)) out.push({ object, source: { file, line } });
  }
  return out;
}

function flatten(value: unknown, file: string, line: number): KubeObject[] {
  const obj = value as KubeObject;
  if (typeof value !== 'object' || Array.isArray(value)) throw new RenderError(file, line, 'a document must be a Kubernetes object (a mapping)');
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray((obj as any).items)) {
    return (obj as any).items.flatMap((i: unknown) => flatten(i, file, line));
  }
  if (typeof obj.apiVersion !== 'string' || !obj.apiVersion) throw new RenderError(file, line, 'object has no apiVersion');
  if (typeof obj.kind !== 'string' || !obj.kind) throw new RenderError(file, line, 'object has no kind');
  if (typeof obj.metadata !== 'object' || obj.metadata === null || typeof obj.metadata.name !== 'string' || !obj.metadata.name) {
    throw new RenderError(file, line, `${obj.kind} has no metadata.name`);
  }
  return [obj];
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
