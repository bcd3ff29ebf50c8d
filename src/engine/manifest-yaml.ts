// Manifest text → objects, in time and memory linear in the input and within a render's budgets
// (budgets.ts). Runs in a parse worker (manifest-worker.ts) or, for small inputs, inline.
//
// The `yaml` library parses (lexer, parser, composer: linear), but its own conversion to plain
// data is not used: its duplicate-key check compares every key with every earlier key of the
// mapping (quadratic: 80,000 keys took a minute), its alias resolution scans every anchor for
// each alias, and its alias limit counts uses rather than bytes, so a 4 MiB string aliased 99
// times passes and is copied 99 times by the first structuredClone or JSON.stringify. Here one
// pass over the parsed nodes builds the data, checks duplicate keys with a set per mapping, keeps
// anchors in a map, and counts the size each object will have as JSON with every alias and
// merge key expanded — before anything expands it (aliases stay shared references).
import { Composer, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser, type Document, type Node as YamlNode, type Pair } from 'yaml';
import { BUDGET_KEYS, formatBytes, type RenderBudgets } from './budgets';
import type { KubeObject } from './objects';
import { RenderError, type RenderedObject } from './render-error';

/** deeper than any Kubernetes object; the converter recurses once per level */
const MAX_DEPTH = 200;

/** What one render has used so far, across its files (and across the chunks of a renderer's output). */
export class RenderBudget {
  documents = 0;
  objects = 0;
  /** bytes of text read */
  bytes = 0;
  /** bytes of the objects produced, as JSON with aliases expanded */
  expanded = 0;

  constructor(readonly limits: RenderBudgets) {}
}

/**
 * Parses one manifest file (multi-document, empty documents skipped, `*List` flattened) within
 * `budget`. Every problem is a RenderError naming the file (and the line when there is one).
 */
export function parseManifestText(file: string, text: string, budget: RenderBudget): RenderedObject[] {
  const { limits } = budget;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limits.maxFileBytes) throw tooLarge(file, size, limits);
  budget.bytes += size;
  if (budget.bytes > limits.maxRenderBytes) {
    throw new RenderError(file, undefined, `the render reads more than ${formatBytes(limits.maxRenderBytes)} of manifests (${BUDGET_KEYS.maxRenderBytes}); stopped at this file`);
  }
  checkDocuments(file, text, budget);

  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  // uniqueKeys off: duplicates are found below, in linear time
  const composer = new Composer({ uniqueKeys: false, prettyErrors: false });
  const out: RenderedObject[] = [];
  const take = (doc: Document.Parsed) => convertDocument(file, doc, lines, budget, out);
  try {
    for (const token of parser.parse(text)) for (const doc of composer.next(token)) take(doc);
    for (const doc of composer.end()) take(doc);
  } catch (e) {
    // a stack overflow in the library on absurd nesting; anything else is ours and already says where
    if (e instanceof RangeError) throw new RenderError(file, undefined, `invalid YAML: nested too deeply (more than ${MAX_DEPTH} levels are refused)`);
    throw e;
  }
  return out;
}

export function tooLarge(file: string, size: number, limits: RenderBudgets): RenderError {
  return new RenderError(file, undefined, `${formatBytes(size)} is more than the ${formatBytes(limits.maxFileBytes)} a manifest file may have (${BUDGET_KEYS.maxFileBytes})`);
}

/**
 * Before parsing: how many documents the text has and how long the longest is, from the
 * document markers (`---` and `...` at the start of a line end any scalar, so they cannot hide
 * inside one). Four million empty documents are refused here in milliseconds.
 */
function checkDocuments(file: string, text: string, budget: RenderBudget): void {
  const { limits } = budget;
  const marker = /^(---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let documents = 1;
  let start = 0;
  const tooLong = (from: number, to: number) => {
    if (to - from <= limits.maxObjectBytes) return;
    const line = text.slice(0, from).split('\n').length;
    throw new RenderError(file, line, `a YAML document longer than ${formatBytes(limits.maxObjectBytes)} (${BUDGET_KEYS.maxObjectBytes})`);
  };
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    tooLong(start, m.index);
    start = m.index;
    if (m[1] === '---' && m.index > 0) documents++;
    if (budget.documents + documents > limits.maxDocuments) break;
  }
  if (budget.documents + documents > limits.maxDocuments) {
    throw new RenderError(file, undefined, `the render has more than ${limits.maxDocuments} YAML documents (${BUDGET_KEYS.maxDocuments})`);
  }
  tooLong(start, text.length);
  budget.documents += documents;
}

function convertDocument(file: string, doc: Document.Parsed, lines: LineCounter, budget: RenderBudget, out: RenderedObject[]): void {
  const problem = doc.errors[0];
  if (problem) {
    // the library turns its own stack overflow on absurd nesting into an error of the document
    const detail = /call stack/i.test(problem.message) ? `nested too deeply (more than ${MAX_DEPTH} levels are refused)` : firstLine(problem.message);
    throw new RenderError(file, lines.linePos(problem.pos[0]).line, `invalid YAML: ${detail}`);
  }
  if (!doc.contents) return;
  // the render's expanded bytes left, when fewer than an object may have: stops at the budget
  const left = budget.limits.maxRenderBytes - budget.expanded;
  const converter = new Converter(file, lines, Math.min(budget.limits.maxObjectBytes, left), left < budget.limits.maxObjectBytes ? renderLimit(budget.limits) : undefined);
  const value = converter.convert(doc.contents, 0);
  if (value === null || value === undefined) return;
  const line = lines.linePos(doc.contents.range?.[0] ?? doc.range[0]).line;
  budget.expanded += converter.total;
  if (budget.expanded > budget.limits.maxRenderBytes) throw new RenderError(file, line, renderLimit(budget.limits));
  for (const object of flatten(value, file, line)) {
    if (++budget.objects > budget.limits.maxObjects) {
      throw new RenderError(file, line, `the render has more than ${budget.limits.maxObjects} objects (${BUDGET_KEYS.maxObjects})`);
    }
    out.push({ object, source: { file, line } });
  }
}

function renderLimit(limits: RenderBudgets): string {
  return `the rendered objects add up to more than ${formatBytes(limits.maxRenderBytes)} as JSON (${BUDGET_KEYS.maxRenderBytes}); aliases and merge keys count each time they are used`;
}

interface Anchored {
  value: unknown;
  /** JSON size of the value, aliases inside expanded; -1 while it is being converted */
  size: number;
}

/** One document's nodes → plain data, counting the JSON size as aliases and merges expand. */
class Converter {
  /** JSON bytes of the document so far, every alias and merge counted in full */
  total = 0;
  private readonly anchors = new Map<string, Anchored>();

  constructor(
    private readonly file: string,
    private readonly lines: LineCounter,
    private readonly limit: number,
    /** the message when the limit is the render's, not the object's */
    private readonly limitMessage?: string,
  ) {}

  convert(node: unknown, depth: number): unknown {
    return this.node(node, depth).value;
  }

  /** The node's value and its JSON size. */
  private node(node: unknown, depth: number): { value: unknown; size: number } {
    if (depth > MAX_DEPTH) this.fail(node, `invalid YAML: nested deeper than ${MAX_DEPTH} levels`);
    if (isAlias(node)) {
      const target = this.anchors.get(node.source);
      if (!target) this.fail(node, 'invalid YAML: an alias that names no anchor before it');
      if (target.size < 0) this.fail(node, 'invalid YAML: an alias inside the node it refers to');
      this.count(node, target.size);
      return { value: target.value, size: target.size };
    }
    const anchor = (node as YamlNode).anchor;
    let anchored: Anchored | undefined;
    if (anchor) {
      anchored = { value: undefined, size: -1 };
      this.anchors.set(anchor, anchored);
    }
    const before = this.total;
    let value: unknown;
    if (isScalar(node)) {
      const scalar = scalarValue(node.value);
      value = scalar;
      this.count(node, jsonSize(scalar));
    } else if (isMap(node)) {
      value = this.map(node.items, node, depth);
    } else if (isSeq(node)) {
      const out: unknown[] = [];
      this.count(node, 2);
      for (const item of node.items) {
        out.push(isPair(item) ? this.map([item], item, depth + 1) : this.convert(item, depth + 1));
        this.count(item, 1);
      }
      value = out;
    } else {
      this.fail(node, 'invalid YAML: unexpected node');
    }
    const size = this.total - before;
    if (anchored) Object.assign(anchored, { value, size });
    return { value, size };
  }

  private map(items: Pair[], at: unknown, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const explicit = new Set<string>();
    this.count(at, 2);
    for (const pair of items) {
      if (isMergeKey(pair.key)) {
        this.merge(out, pair.value, depth);
        continue;
      }
      const at = pair.key ?? pair.value ?? pair;
      const key = pair.key === null || pair.key === undefined ? '' : this.key(pair.key, depth);
      if (explicit.has(key)) this.fail(at, 'invalid YAML: Map keys must be unique');
      explicit.add(key);
      this.count(at, 2);
      set(out, key, this.convert(pair.value, depth + 1));
    }
    return out;
  }

  /** `<<: *a`, `<<: {…}`, `<<: [*a, *b]`: keys of the merged mappings that are not there yet */
  private merge(out: Record<string, unknown>, value: unknown, depth: number): void {
    const sources = isSeq(value) ? value.items : [value];
    for (const source of sources) {
      const { value: merged } = this.node(source, depth + 1);
      if (typeof merged !== 'object' || merged === null || Array.isArray(merged)) this.fail(source, 'invalid YAML: merge sources must be mappings or aliases of mappings');
      // keys set so far (explicit ones included) stay; explicit keys after the merge overwrite
      const from = merged as Record<string, unknown>;
      const keys = Object.keys(from);
      for (let i = 0; i < keys.length; i++) if (!Object.prototype.hasOwnProperty.call(out, keys[i])) set(out, keys[i], from[keys[i]]);
    }
  }

  /** A key as the object will have it: scalars as strings (null as ''), aliases of scalars too. */
  private key(node: unknown, depth: number): string {
    if (!isScalar(node) && !isAlias(node)) this.fail(node, 'invalid YAML: a key that is not a string');
    const { value } = this.node(node, depth + 1);
    // a scalar's value (scalarValue), or an alias of one, is a string, number, boolean or null
    if (value === null || value === undefined) return '';
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.fail(node, 'invalid YAML: a key that is not a string');
  }

  private count(node: unknown, bytes: number): void {
    this.total += bytes;
    if (this.total > this.limit) {
      this.fail(
        node,
        this.limitMessage ?? `the object is larger than ${formatBytes(this.limit)} as JSON (${BUDGET_KEYS.maxObjectBytes}); aliases and merge keys count each time they are used`,
      );
    }
  }

  private fail(node: unknown, detail: string): never {
    const offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
    throw new RenderError(this.file, offset === undefined ? undefined : this.lines.linePos(offset).line, detail);
  }
}

function isMergeKey(key: unknown): boolean {
  // with YAML 1.1 (`%YAML 1.1`) the library resolves a plain `<<` key to a symbol
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';
}

/** What a scalar converts to. */
type ScalarValue = string | number | boolean | null;

/** Plain data for a scalar: YAML 1.1 timestamps and binaries become what JSON would carry. */
function scalarValue(value: unknown): ScalarValue {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'symbol') return value.description ?? '';
  if (typeof value === 'bigint') return Number(value);
  // the library resolves every other scalar to a string, number, boolean or null
  return value as ScalarValue;
}

function jsonSize(value: ScalarValue | undefined): number {
  if (typeof value === 'string') return value.length + 2;
  if (value === null || value === undefined) return 4;
  return String(value).length;
}

/** `__proto__` as an own key, never as the object's prototype */
function set(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

function flatten(value: unknown, file: string, line: number): KubeObject[] {
  const obj = value as KubeObject;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RenderError(file, line, 'a document must be a Kubernetes object (a mapping)');
  const items: unknown = obj.items;
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(items)) {
    return items.flatMap((i: unknown) => flatten(i, file, line));
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
