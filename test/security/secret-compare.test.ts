// Secrets are compared in one place, in constant time (issue 17.6). A `===` or Buffer.equals on a
// token hash returns at the first differing byte and changes no behaviour a test could see, so
// this pins it structurally: the helper's own behaviour, that every comparison it makes goes
// through node:crypto's timingSafeEqual (watched through a pass-through mock of the module), a scan
// of the helper for any other comparison, the call sites that must use it, and a scan of src/ for
// any other comparison of a value named like a secret.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it, vi } from 'vitest';
import { secretsEqual } from '../../src/shared/secret-compare';

// the real timingSafeEqual, watched: the helper gets this module in place of node:crypto
const watched = vi.hoisted(() => ({ timingSafeEqual: undefined as unknown as ReturnType<typeof vi.fn> }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  watched.timingSafeEqual = vi.fn(crypto.timingSafeEqual);
  return { ...crypto, default: { ...crypto, timingSafeEqual: watched.timingSafeEqual }, timingSafeEqual: watched.timingSafeEqual };
});

const ROOT = join(__dirname, '..', '..');
const HELPER = 'src/shared/secret-compare.ts';
/** names of values that hold secrets or what proves knowledge of one */
const SECRETISH = /token|secret|signature|digest|password|passphrase|hmac|hash|privatekey|credential/i;
/**
 * Files whose comparisons of such names are not of secrets, and why. Keep it short: every entry
 * is a place a real secret comparison could hide.
 */
const NOT_SECRETS: Record<string, string> = {
  'src/audit/audit-chain.ts': "the audit chain's hashes are public: every entry's hash is served by GET /audit",
  'src/audit/audit-log.ts': "the audit chain's hashes are public: every entry's hash is served by GET /audit",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(path);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [path] : [];
  });
}

const parse = (file: string) => ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((c) => walk(c, visit));
}

/** an operand that cannot be a secret's value: a literal, undefined, a typeof, a length */
function isInert(e: ts.Expression, source: ts.SourceFile): boolean {
  const text = e.getText(source);
  return (
    ts.isLiteralExpression(e) ||
    ts.isNoSubstitutionTemplateLiteral(e) ||
    ts.isTypeOfExpression(e) ||
    e.kind === ts.SyntaxKind.NullKeyword ||
    e.kind === ts.SyntaxKind.TrueKeyword ||
    e.kind === ts.SyntaxKind.FalseKeyword ||
    text === 'undefined' ||
    /\.length$/.test(text) ||
    /^-?\d+$/.test(text)
  );
}

const EQUALITY = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

/** `file:line: text` of every comparison of secrets outside the helper */
function unsafeComparisons(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const rel = relative(ROOT, file);
    if (rel === HELPER) continue;
    const source = parse(file);
    const report = (n: ts.Node, why: string) => found.push(`${rel}:${source.getLineAndCharacterOfPosition(n.getStart(source)).line + 1}: ${why}: ${n.getText(source)}`);
    walk(source, (n) => {
      if (ts.isIdentifier(n) && n.text === 'timingSafeEqual') report(n, 'timingSafeEqual outside the helper');
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ['equals', 'compare'].includes(n.expression.name.text)) {
        if (SECRETISH.test(n.getText(source))) report(n, `.${n.expression.name.text}() on a secret`);
      }
      if (ts.isBinaryExpression(n) && EQUALITY.has(n.operatorToken.kind) && !NOT_SECRETS[rel]) {
        const sides = [n.left, n.right];
        if (!sides.some((s) => isInert(s, source)) && sides.some((s) => SECRETISH.test(s.getText(source)))) report(n, 'equality on a secret');
      }
    });
  }
  return found;
}

/** `line: text` of every comparison in the helper other than through timingSafeEqual */
function helperComparisons(): string[] {
  const source = parse(join(ROOT, HELPER));
  const found: string[] = [];
  const report = (n: ts.Node) => found.push(`${source.getLineAndCharacterOfPosition(n.getStart(source)).line + 1}: ${n.getText(source)}`);
  walk(source, (n) => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ['equals', 'compare'].includes(n.expression.name.text)) report(n);
    if (ts.isBinaryExpression(n) && EQUALITY.has(n.operatorToken.kind) && ![n.left, n.right].some((s) => isInert(s, source))) report(n);
  });
  return found;
}

/** whether the named function or method of `file` calls secretsEqual */
function callsHelper(file: string, name: string): boolean {
  const source = parse(join(ROOT, file));
  let found: boolean | undefined;
  walk(source, (n) => {
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) && n.name?.getText(source) === name) {
      found = false;
      walk(n, (c) => {
        if (ts.isCallExpression(c) && c.expression.getText(source) === 'secretsEqual') found = true;
      });
    }
  });
  if (found === undefined) throw new Error(`${file} has no function ${name}`);
  return found;
}

describe('secret comparison', () => {
  it('tells equal from unequal secrets, of any lengths, as strings or bytes, without throwing', () => {
    expect(secretsEqual('s3cret-value', 's3cret-value')).toBe(true);
    expect(secretsEqual('s3cret-value', 's3cret-valuf')).toBe(false);
    expect(secretsEqual('abc', 'abcd')).toBe(false);
    expect(secretsEqual('', '')).toBe(true);
    expect(secretsEqual('', 'x')).toBe(false);
    const digest = Buffer.from('00ff'.repeat(16), 'hex');
    expect(secretsEqual(digest, Buffer.from(digest))).toBe(true);
    expect(secretsEqual(digest, digest.subarray(0, 31))).toBe(false);
    expect(secretsEqual(Buffer.from('tök'), 'tök')).toBe(true);
  });

  describe('in constant time', () => {
    it('decides every comparison, equal or not, by timingSafeEqual on two 32-byte digests', () => {
      const pairs: [string | Buffer, string | Buffer][] = [
        ['s3cret-value', 's3cret-value'],
        ['s3cret-value', 's3cret-valuf'],
        ['abc', 'abcd'],
        ['', ''],
        ['', 'x'],
        [Buffer.alloc(32, 1), Buffer.alloc(32, 1)],
        [Buffer.alloc(32, 1), Buffer.alloc(31, 1)],
        [Buffer.from('tök'), 'tök'],
      ];
      for (const [a, b] of pairs) {
        watched.timingSafeEqual.mockClear();
        const equal = secretsEqual(a, b);
        expect(watched.timingSafeEqual, `${String(a)} vs ${String(b)}`).toHaveBeenCalledTimes(1);
        const [x, y] = watched.timingSafeEqual.mock.calls[0] as [Buffer, Buffer];
        expect([x.length, y.length]).toEqual([32, 32]);
        expect(equal, 'the answer is what timingSafeEqual said').toBe(watched.timingSafeEqual.mock.results[0].value);
      }
    });

    it('compares in the helper only through timingSafeEqual, never by .equals, .compare or ===', () => {
      expect(helperComparisons()).toEqual([]);
    });
  });

  it('is what API tokens, the admin token and webhook signatures are checked with', () => {
    expect(callsHelper('src/auth/api-tokens.service.ts', 'authenticate')).toBe(true);
    expect(callsHelper('src/git/push-webhooks.ts', 'verifyGithubSignature')).toBe(true);
    expect(callsHelper('src/git/push-webhooks.ts', 'verifyGiteaSignature')).toBe(true);
    expect(callsHelper('src/git/push-webhooks.ts', 'verifyGitlabToken')).toBe(true);
  });

  it('is the only comparison of tokens, hashes, signatures and secrets in src/', () => {
    expect(unsafeComparisons()).toEqual([]);
  });
});
