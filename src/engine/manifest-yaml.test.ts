import { describe, expect, it } from 'vitest';
import { aliasBomb, billionLaughs, emptyDocuments, manyDocuments, mergeKeyBomb, MiB, wideMapping } from '../../test/hostile/inputs';
import { parseManifestText, RenderBudget } from './manifest-yaml';
import { renderBudgets } from './budgets';
import { parseManifest, RenderError } from './render';

const budget = (given = {}) => new RenderBudget(renderBudgets(given));
const errorOf = (fn: () => unknown): RenderError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof RenderError) return e;
    throw e;
  }
  throw new Error('expected a RenderError');
};

describe('manifest parsing: linear in the input', () => {
  it('finds a duplicate key by file and line', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "1"\n  b: "2"\n  a: "3"\n';
    expect(errorOf(() => parseManifest('apps/x/d.yaml', text)).message).toBe('apps/x/d.yaml:8: invalid YAML: Map keys must be unique');
    // the same key in different mappings is fine
    expect(parseManifest('ok.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a, labels: { name: b } }\n')[0].object.metadata).toEqual({
      name: 'a',
      labels: { name: 'b' },
    });
  });

  it('parses a mapping of 80,000 keys in seconds, not minutes (the duplicate check is one set per mapping)', () => {
    const started = performance.now();
    const [cm] = parseManifest('wide.yaml', wideMapping(80_000));
    expect(Object.keys(cm.object.data)).toHaveLength(80_000);
    // quadratic checking took 40–70 s for this on the same machine
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(errorOf(() => parseManifest('wide.yaml', `${wideMapping(80_000)}  k0: again\n`)).message).toBe('wide.yaml:80006: invalid YAML: Map keys must be unique');
  });
});

describe('manifest parsing: aliases and merge keys counted as they expand', () => {
  it('refuses an alias bomb under the alias-count limit before anything expands it, naming file, line and budget', () => {
    // one 1 MiB string aliased 99 times: ~100 MiB once copied
    const e = errorOf(() => parseManifest('apps/x/bomb.yaml', aliasBomb(1, 99, MiB)));
    expect(e.message).toMatch(
      /^apps\/x\/bomb\.yaml:\d+: the object is larger than 3 MiB as JSON \(render\.maxObjectBytes\); aliases and merge keys count each time they are used$/,
    );
    expect(e.line).toBeGreaterThan(6);
  });

  it('refuses the billion laughs with file and line, not a bare ReferenceError', () => {
    const e = errorOf(() => parseManifest('lol.yaml', billionLaughs()));
    expect(e.message).toMatch(/^lol\.yaml:\d+: the object is larger than 3 MiB as JSON \(render\.maxObjectBytes\)/);
  });

  it('keeps aliases as shared references (nothing copied) and counts them in the render total', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &l { app: web }\n  annotations: *l\n';
    const [{ object }] = parseManifest('a.yaml', text);
    expect(object.metadata.annotations).toBe(object.metadata.labels);
    expect(object.metadata.annotations).toEqual({ app: 'web' });
    const b = budget({ maxRenderBytes: 10 * MiB });
    parseManifestText('a.yaml', aliasBomb(2, 20, 100 * 1024), b);
    // each document: 21 copies of a 100 KiB string, counted 21 times
    expect(b.expanded).toBeGreaterThan(2 * 21 * 100 * 1024);
  });

  it('supports YAML 1.1 merge keys, explicit keys winning, and counts what they copy', () => {
    const text = [
      '%YAML 1.1',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: m }',
      'base: &b { a: "1", b: "2" }',
      'data:',
      '  <<: *b',
      '  b: "3"',
      '  c: "4"',
    ].join('\n');
    expect(parseManifest('m.yaml', text)[0].object.data).toEqual({ a: '1', b: '3', c: '4' });
    const e = errorOf(() => parseManifest('merge.yaml', mergeKeyBomb(80, 1000, 99)));
    expect(e.message).toMatch(/^merge\.yaml:\d+: the rendered objects add up to more than 32 MiB as JSON \(render\.maxRenderBytes\); aliases and merge keys count/);
  });

  it('refuses an alias inside the node it names, and an alias to nothing, with the line', () => {
    expect(errorOf(() => parseManifest('c.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: x\n  self: *m\n')).message).toBe(
      'c.yaml:5: invalid YAML: an alias inside the node it refers to',
    );
    expect(errorOf(() => parseManifest('n.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: *nothing\n')).message).toMatch(/^n\.yaml:4: invalid YAML/);
  });
});

describe('manifest parsing: budgets checked before the expensive step', () => {
  it('refuses more documents than a render may have before parsing any', () => {
    const started = performance.now();
    expect(errorOf(() => parseManifest('empty.yaml', emptyDocuments(4_000_000), { maxFileBytes: 64 * MiB })).message).toBe(
      'empty.yaml: the render has more than 10000 YAML documents (render.maxDocuments)',
    );
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('counts objects, documents and bytes across the files of one render', () => {
    const b = budget({ maxObjects: 150, maxDocuments: 1000 });
    expect(parseManifestText('one.yaml', manyDocuments(100), b)).toHaveLength(100);
    expect(() => parseManifestText('two.yaml', manyDocuments(100), b)).toThrow('two.yaml:351: the render has more than 150 objects (render.maxObjects)');
    const bytes = budget({ maxRenderBytes: 1000 });
    parseManifestText('a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n'.padEnd(600, ' '), bytes);
    expect(() => parseManifestText('b.yaml', ' '.repeat(600), bytes)).toThrow(
      'b.yaml: the render reads more than 1000 bytes of manifests (render.maxRenderBytes); stopped at this file',
    );
  });

  it('refuses a file over its size, and a document longer than an object may be, before parsing', () => {
    expect(() => parseManifest('big.yaml', `a: ${'x'.repeat(9 * MiB)}\n`)).toThrow('big.yaml: 9.0 MiB is more than the 8 MiB a manifest file may have (render.maxFileBytes)');
    const long = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n---\n# second\ndata: ${'x'.repeat(3 * MiB)}\n`;
    expect(() => parseManifest('long.yaml', long)).toThrow('long.yaml:4: a YAML document longer than 3 MiB (render.maxObjectBytes)');
  });

  it('refuses nesting deeper than any Kubernetes object', () => {
    const deep = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    expect(errorOf(() => parseManifest('deep.yaml', deep)).message).toMatch(/^deep\.yaml(:\d+)?: invalid YAML: nested (deeper than 200 levels|too deeply)/);
  });
});

describe('manifest parsing: plain data, safely', () => {
  it('keeps __proto__ an ordinary key and turns YAML 1.1 timestamps and binaries into strings', () => {
    const [{ object }] = parseManifest('p.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: p }\ndata:\n  __proto__: { polluted: "yes" }\n');
    expect(Object.getPrototypeOf(object.data)).toBe(Object.prototype);
    expect(Object.keys(object.data)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const typed = parseManifest('t.yaml', '%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: t }\nat: 2001-12-14t21:59:43.10-05:00\nbin: !!binary aGVsbG8=\n');
    expect(typed[0].object.at).toBe('2001-12-15T02:59:43.100Z');
    expect(typed[0].object.bin).toBe('aGVsbG8=');
  });

  it('quotes a file name that could forge a log line', () => {
    const e = errorOf(() => parseManifest('apps/x\nINFO all good.yaml', 'a: [\n'));
    expect(e.message.split('\n')).toHaveLength(1);
    expect(e.message).toMatch(/^"apps\/x\\nINFO all good\.yaml":\d+: invalid YAML/);
  });
});
