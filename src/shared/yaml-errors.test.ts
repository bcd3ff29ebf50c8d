import { describe, expect, it } from 'vitest';
import { parseUntrustedYaml, YamlSyntaxError } from './yaml-errors';

const SECRET = 'Zm9vYmFyLXNlY3JldC10b2tlbi0xMjM0';

function problemOf(text: string): string {
  try {
    parseUntrustedYaml(text);
  } catch (e) {
    expect(e).toBeInstanceOf(YamlSyntaxError);
    return (e as Error).message;
  }
  throw new Error('parsed');
}

describe('untrusted YAML', () => {
  it.each([
    ['bad indentation', `user:\n    token: ${SECRET}\n   x: 1\n`, 'line 3, column 1: bad indentation (BAD_INDENT)'],
    ['a tab', `user:\n\ttoken: ${SECRET}\n`, 'line 2, column 1: a tab used for indentation (TAB_AS_INDENT)'],
    ['a duplicate key', `token: ${SECRET}\ntoken: ${SECRET}\n`, 'line 2, column 1: a duplicate key (DUPLICATE_KEY)'],
    ['an unclosed quote', `token: "${SECRET}\n`, 'line 2, column 1: a missing closing quote or bracket (MISSING_CHAR)'],
    ['an unknown tag named after the secret', `token: !${SECRET} x\n`, 'line 1, column 8: an unknown tag (TAG_RESOLVE_FAILED)'],
    ['an alias named after the secret', `token: *${SECRET}\n`, 'line 1, column 8: an alias that names no anchor (BAD_ALIAS)'],
    ['a second document', `a: 1\n---\ntoken: ${SECRET}\n`, 'line 2, column 1: more than one YAML document (MULTIPLE_DOCS)'],
  ])('describes %s by position and kind only', (_, text, message) => {
    expect(text).toContain(SECRET);
    expect(problemOf(text)).toBe(message);
  });

  it('refuses alias expansion past the limit without naming the anchors', () => {
    // "billion laughs": each level holds ten aliases of the one before
    const level = (i: number) => `l${i}${SECRET}`;
    const bomb = [
      `${level(0)}: &${level(0)} [x, x, x, x, x, x, x, x, x, x]`,
      ...[1, 2, 3].map(
        (i) =>
          `${level(i)}: &${level(i)} [${Array(10)
            .fill(`*${level(i - 1)}`)
            .join(', ')}]`,
      ),
    ].join('\n');
    expect(problemOf(bomb)).toBe('too many aliases or too deep nesting (RESOURCE_EXHAUSTION)');
    expect(parseUntrustedYaml(`a: &x 1\nb: *x\n`)).toEqual({ a: 1, b: 1 });
  });

  it('reads one well-formed document, and empty input as null', () => {
    expect(parseUntrustedYaml('a:\n  - b: "c"\n')).toEqual({ a: [{ b: 'c' }] });
    expect(parseUntrustedYaml('')).toBeNull();
  });
});
