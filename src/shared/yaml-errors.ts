// YAML that came from a client (a kubeconfig) may hold secrets on any line. The `yaml` library's
// error messages quote the lines around a problem ("pretty errors"), and even its plain messages
// quote fragments (an unresolved tag, an alias name), and `parse()` prints warnings with the same
// excerpt to stderr. So such text is parsed only here, and a problem is described by where it is
// and what kind it is — never by what the input says there.
import { type Alias, isAlias, LineCounter, parseDocument, visit, type ErrorCode, type YAMLError } from 'yaml';

/** What each of the library's error codes means, in words that quote nothing. */
const KINDS: Record<ErrorCode, string> = {
  ALIAS_PROPS: 'an alias cannot have a tag or an anchor',
  BAD_ALIAS: 'an alias that names no anchor',
  BAD_DIRECTIVE: 'an invalid directive',
  BAD_DQ_ESCAPE: 'an invalid escape in a double-quoted string',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'a tag or anchor in the wrong place',
  BAD_SCALAR_START: 'a plain value cannot start with this character',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection used as a key',
  BLOCK_IN_FLOW: 'a block collection inside a flow collection',
  DUPLICATE_KEY: 'a duplicate key',
  IMPOSSIBLE: 'unparseable input',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  MISSING_CHAR: 'a missing closing quote or bracket',
  MULTILINE_IMPLICIT_KEY: 'a key spanning several lines',
  MULTIPLE_ANCHORS: 'several anchors on one node',
  MULTIPLE_DOCS: 'more than one YAML document',
  MULTIPLE_TAGS: 'several tags on one node',
  NON_STRING_KEY: 'a key that is not a string',
  RESOURCE_EXHAUSTION: 'too many aliases or too deep nesting',
  TAB_AS_INDENT: 'a tab used for indentation',
  TAG_RESOLVE_FAILED: 'an unknown tag',
  UNEXPECTED_TOKEN: 'unexpected content',
  BAD_COLLECTION_TYPE: 'a collection of the wrong type for its tag',
};

/** `line 4, column 1: a tab used for indentation (TAB_AS_INDENT)`: position and kind, no excerpt. */
export function describeYamlError(error: { code: ErrorCode; pos?: [number, number]; linePos?: YAMLError['linePos'] }, lines?: LineCounter): string {
  const at = error.linePos?.[0] ?? (lines && Array.isArray(error.pos) ? lines.linePos(error.pos[0]) : undefined);
  const kind = KINDS[error.code] ?? 'invalid YAML';
  const code = /^[A-Z_0-9]{1,40}$/.test(String(error.code)) ? ` (${error.code})` : '';
  return at ? `line ${at.line}, column ${at.col}: ${kind}${code}` : `${kind}${code}`;
}

/** A YAML document a client sent that cannot be read; the message says where and what, never what is there. */
export class YamlSyntaxError extends Error {
  override readonly name = 'YamlSyntaxError';
  constructor(readonly detail: string) {
    super(detail);
  }
}

/**
 * Parses exactly one YAML document into plain data. Throws YamlSyntaxError for the first problem
 * (a syntax error, a duplicate key, a second document, an unknown tag, alias expansion past
 * `maxAliasCount`); warnings are never printed.
 */
export function parseUntrustedYaml(text: string, opts: { maxAliasCount?: number } = {}): unknown {
  const lines = new LineCounter();
  // prettyErrors off: the error objects themselves carry no excerpt, whoever logs them later.
  // logLevel 'error' (not 'silent'): a second document is still reported as an error.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, logLevel: 'error', uniqueKeys: true });
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (problem) throw new YamlSyntaxError(describeYamlError(problem, lines));
  // an alias to no anchor fails only in toJS, with a message naming the alias and no position:
  // find it first, in one pass over the nodes in document order
  const anchors = new Set<string>();
  let dangling: Alias | undefined;
  visit(doc, {
    Node(_, node) {
      if (isAlias(node) && !anchors.has(node.source)) {
        dangling = node;
        return visit.BREAK;
      }
      if (!isAlias(node) && node.anchor) anchors.add(node.anchor);
    },
  });
  if (dangling) throw new YamlSyntaxError(describeYamlError({ code: 'BAD_ALIAS', pos: dangling.range ? [dangling.range[0], dangling.range[1]] : undefined }, lines));
  try {
    return doc.toJS({ maxAliasCount: opts.maxAliasCount ?? 100 });
  } catch (e) {
    // the library's own messages here (alias expansion) quote anchor names: keep only the kind
    const { code, pos } = e as Partial<YAMLError>;
    throw new YamlSyntaxError(describeYamlError({ code: code ?? 'RESOURCE_EXHAUSTION', pos }, lines));
  }
}
