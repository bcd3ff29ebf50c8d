import { describe, expect, it } from 'vitest';
import { fromSelectorObject, matches, parseSelector } from './label-selector';

const prodEu = { env: 'prod', region: 'eu', tier: 'core' };
const prodUsEdge = { env: 'prod', region: 'us', tier: 'edge', canary: 'true' };
const staging = { env: 'staging', region: 'eu' };
const all = { prodEu, prodUsEdge, staging };

function select(selector: string): string[] {
  const reqs = parseSelector(selector);
  return Object.entries(all).filter(([, labels]) => matches(reqs, labels)).map(([name]) => name);
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

  it('compiles the object form with matchLabels and matchExpressions', () => {
    const reqs = fromSelectorObject({ matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['edge'] }] });
    expect(matches(reqs, prodEu)).toBe(true);
    expect(matches(reqs, prodUsEdge)).toBe(false);
    expect(() => fromSelectorObject({ matchExpressions: [{ key: 'x', operator: 'Exists', values: ['y'] }] })).toThrow('Exists takes no values');
    expect(() => fromSelectorObject({ matchExpressions: [{ key: 'x', operator: 'Gt', values: ['1'] }] })).toThrow('operator must be');
  });
});
