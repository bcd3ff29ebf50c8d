import { describe, expect, it } from 'vitest';
import { fromSelectorObject, matches, parseSelector } from './label-selector';

const prodEu = { env: 'prod', region: 'eu', tier: 'core' };
const prodUsEdge = { env: 'prod', region: 'us', tier: 'edge', canary: 'true' };
const staging = { env: 'staging', region: 'eu' };
const all = { prodEu, prodUsEdge, staging };

function select(selector: string): string[] {
  const reqs = parseSelector(selector);
  return Object.entries(all)
    .filter(([, labels]) => matches(reqs, labels))
    .map(([name]) => name);
}

describe('label selectors', () => {
  it.each([
    ['', ['prodEu', 'prodUsEdge', 'staging']],
    ['env=prod', ['prodEu', 'prodUsEdge']],
    ['env==prod', ['prodEu', 'prodUsEdge']],
    ['env=prod,tier!=edge', ['prodEu']],
    ['tier!=edge', ['prodEu', 'staging']],
    ['region in (eu, us)', ['prodEu', 'prodUsEdge', 'staging']],
    ['region in (us),env=prod', ['prodUsEdge']],
    ['env notin (prod)', ['staging']],
    ['canary', ['prodUsEdge']],
    ['!canary', ['prodEu', 'staging']],
    ['!canary, region in (eu)', ['prodEu', 'staging']],
    ['example.com/team', []],
  ])('"%s" selects %j', (selector, expected) => {
    expect(select(selector)).toEqual(expected);
  });

  it.each([
    ['env=prod,', 'empty term'],
    ['env in (a', 'unbalanced "("'],
    ['env in ()', 'needs at least one value'],
    ['env=pr od', 'expected key, !key'],
    ['Env_=x', 'not a valid label key'],
    ['env=-bad', 'not a valid label value'],
    ['env >= 3', 'expected key, !key'],
    ['a b', 'expected key, !key'],
  ])('"%s" is refused: %s', (selector, reason) => {
    expect(() => parseSelector(selector)).toThrow(reason);
  });

  it.each([
    ['env=prod,M!x', 'selector term 2 (character 10): expected key, !key'],
    ['env in (a,M', 'selector: unbalanced "(" (opened at character 8)'],
    ['env=prod,)M', 'selector: unbalanced ")" at character 10'],
    ['tier=edge, M=x', 'selector term 2 (character 12): the key is not a valid label key'],
    ['env=M', 'selector term 1 (character 1): a value is not a valid label value'],
    ['env in (ok, M)', 'selector term 1 (character 1): a value is not a valid label value'],
  ])('"%s" is refused saying where, never quoting what is there', (template, reason) => {
    // a selector is client input and its errors reach logs and the audit log
    const marker = 'Marker_Value-0123456789abcdef-';
    let message = '';
    try {
      parseSelector(template.replace('M', marker));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.startsWith(reason), message).toBe(true);
    expect(message).not.toContain('Marker');
  });

  it('compiles the object form with matchLabels and matchExpressions', () => {
    const reqs = fromSelectorObject({ matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['edge'] }] });
    expect(matches(reqs, prodEu)).toBe(true);
    expect(matches(reqs, prodUsEdge)).toBe(false);
    expect(() => fromSelectorObject({ matchExpressions: [{ key: 'x', operator: 'Exists', values: ['y'] }] })).toThrow('Exists takes no values');
    expect(() => fromSelectorObject({ matchExpressions: [{ key: 'x', operator: 'Gt', values: ['1'] }] })).toThrow('operator must be');
    expect(() => fromSelectorObject({ matchLabels: { env: 'a', 'Marker_Key-': 'x' } })).toThrow(/^matchLabels key 2: the key is not a valid label key/);
    expect(() => fromSelectorObject({ matchLabels: { env: 'Marker_Value-' } })).toThrow(/^matchLabels\.env: a value is not a valid label value/);
  });
});
