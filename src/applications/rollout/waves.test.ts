import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/errors';
import { assignWaves, namedClusters, parallelLimit, REST_WAVE, rolloutSpecOf, waveSpec, type RolloutInput, type WaveMember } from './waves';

/** The error rolloutSpecOf throws for `input`, which must be a 400 (InvalidInputError). */
function refusal(input: RolloutInput): string {
  try {
    rolloutSpecOf(input);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as Error).message;
  }
  throw new Error('rolloutSpecOf accepted the input');
}

const wave = (w: Partial<RolloutInput['waves'][number]> & { name: string }): RolloutInput['waves'][number] => ({ clusters: ['east'], ...w });
const MAX_PARALLEL = 'must be a count (1 or more) or a percentage from 1% to 100%';

describe('rolloutSpecOf', () => {
  it('fills the defaults: halt on failure, 600 s unreachable then halt, no orderBy; per wave all at once, no soak, no approval', () => {
    expect(rolloutSpecOf({ waves: [{ name: 'canary', clusters: ['east'] }] })).toStrictEqual({
      waves: [{ name: 'canary', clusters: ['east'], maxParallel: null, soakSeconds: 0, approval: false }],
      orderBy: null,
      onFailure: 'halt',
      unreachableSeconds: 600,
      unreachable: 'halt',
    });
  });

  it('keeps what is given, copies a clusterSelector and names each cluster once', () => {
    const selector = { matchLabels: { ring: '1' }, matchExpressions: [{ key: 'region', operator: 'In', values: ['eu'] }] };
    const spec = rolloutSpecOf({
      waves: [
        { name: 'canary', clusters: ['east', 'west', 'east'], maxParallel: '25%', soakSeconds: 300, approval: true },
        { name: 'ring-1', clusterSelector: selector, maxParallel: 3 },
      ],
      orderBy: 'cluster.labels.example.com/priority',
      onFailure: 'rollback',
      unreachableSeconds: 30,
      unreachable: 'skip',
    });
    expect(spec).toStrictEqual({
      waves: [
        { name: 'canary', clusters: ['east', 'west'], maxParallel: '25%', soakSeconds: 300, approval: true },
        { name: 'ring-1', clusterSelector: selector, maxParallel: 3, soakSeconds: 0, approval: false },
      ],
      orderBy: 'cluster.labels.example.com/priority',
      onFailure: 'rollback',
      unreachableSeconds: 30,
      unreachable: 'skip',
    });
    expect(spec.waves[1].clusterSelector).not.toBe(selector);
  });

  it('refuses a rollout without waves', () => {
    expect(refusal({ waves: [] })).toBe('rollout.waves: name at least one wave');
  });

  it('refuses a wave name that is not a DNS-1123 label, quoting at most 80 characters of it', () => {
    expect(refusal({ waves: [wave({ name: 'canary' }), wave({ name: 'Ring_1' })] })).toBe(
      `rollout.waves[1].name: "Ring_1" must be a DNS-1123 label (lowercase letters, digits and '-')`,
    );
    expect(refusal({ waves: [wave({ name: '' })] })).toBe(`rollout.waves[0].name: "" must be a DNS-1123 label (lowercase letters, digits and '-')`);
    const long = 'x'.repeat(100);
    expect(refusal({ waves: [wave({ name: long })] })).toBe(`rollout.waves[0].name: "${'x'.repeat(80)}" must be a DNS-1123 label (lowercase letters, digits and '-')`);
  });

  it('refuses "rest" as a wave name: it is the implicit last wave', () => {
    expect(REST_WAVE).toBe('rest');
    expect(refusal({ waves: [wave({ name: 'rest' })] })).toBe('rollout.waves[0].name: "rest" is the implicit last wave of targets that match no other; choose another name');
  });

  it('refuses a wave name used twice', () => {
    expect(refusal({ waves: [wave({ name: 'canary' }), wave({ name: 'eu' }), wave({ name: 'canary' })] })).toBe('rollout.waves[2].name: "canary" is used by an earlier wave');
  });

  it('refuses a wave with both clusterSelector and clusters, or with neither', () => {
    const both = { name: 'eu', clusters: ['east'], clusterSelector: { matchLabels: { region: 'eu' } } };
    expect(refusal({ waves: [both] })).toBe('rollout.waves[0]: give exactly one of clusterSelector and clusters');
    expect(refusal({ waves: [wave({ name: 'canary' }), { name: 'eu' }] })).toBe('rollout.waves[1]: give exactly one of clusterSelector and clusters');
  });

  it('refuses an empty clusters list', () => {
    expect(refusal({ waves: [{ name: 'eu', clusters: [] }] })).toBe('rollout.waves[0].clusters: name at least one cluster');
  });

  it('refuses a clusterSelector that does not parse, saying where', () => {
    expect(refusal({ waves: [{ name: 'eu', clusterSelector: { matchExpressions: [{ key: 'ring', operator: 'Near', values: ['1'] }] } }] })).toBe(
      'rollout.waves[0].clusterSelector: matchExpressions[0]: operator must be In, NotIn, Exists or DoesNotExist',
    );
    expect(refusal({ waves: [{ name: 'eu', clusterSelector: { matchLabels: { 'bad key': '1' } } }] })).toMatch(
      /^rollout\.waves\[0\]\.clusterSelector: matchLabels key 1: the key is not a valid label key/,
    );
  });

  it('accepts maxParallel as a count of 1 or more or as a percentage from 1% to 100%', () => {
    for (const maxParallel of [1, 7, '1%', '25%', '100%']) {
      expect(rolloutSpecOf({ waves: [wave({ name: 'eu', maxParallel })] }).waves[0].maxParallel).toBe(maxParallel);
    }
  });

  it('refuses any other maxParallel: zero, negative, fractional, out-of-range percentages, numbers as strings, other types', () => {
    for (const maxParallel of [0, -1, 1.5, Number.POSITIVE_INFINITY]) {
      expect(refusal({ waves: [wave({ name: 'eu', maxParallel })] })).toBe(`rollout.waves[0].maxParallel: ${MAX_PARALLEL}`);
    }
    for (const maxParallel of ['0%', '101%', '05%', '25', '25 %', '%', 'half']) {
      expect(refusal({ waves: [wave({ name: 'eu', maxParallel })] })).toBe(`rollout.waves[0].maxParallel: "${maxParallel}" ${MAX_PARALLEL}`);
    }
    expect(refusal({ waves: [wave({ name: 'eu', maxParallel: '9'.repeat(30) })] })).toBe(`rollout.waves[0].maxParallel: "${'9'.repeat(20)}" ${MAX_PARALLEL}`);
    expect(refusal({ waves: [wave({ name: 'eu', maxParallel: true as never })] })).toBe(`rollout.waves[0].maxParallel: ${MAX_PARALLEL}`);
  });

  it('refuses an orderBy that is not cluster.labels.KEY with a valid label key', () => {
    for (const orderBy of ['labels.ring', 'cluster.name', 'cluster.LABELS.ring', 'cluster.annots.ring', 'cluster.labels.', 'cluster.labels.bad key', 'cluster.labels.-ring']) {
      expect(refusal({ waves: [wave({ name: 'eu' })], orderBy })).toBe(`rollout.orderBy: "${orderBy}" must be cluster.labels.KEY with a valid label key`);
    }
    expect(rolloutSpecOf({ waves: [wave({ name: 'eu' })], orderBy: 'cluster.labels.ring' }).orderBy).toBe('cluster.labels.ring');
  });

  it('names the clusters the waves list, each once', () => {
    const spec = rolloutSpecOf({
      waves: [wave({ name: 'a', clusters: ['east', 'west'] }), { name: 'b', clusterSelector: { matchLabels: { ring: '1' } } }, wave({ name: 'c', clusters: ['west', 'north'] })],
    });
    expect(namedClusters(spec)).toEqual(['east', 'west', 'north']);
  });
});

describe('assignWaves', () => {
  const LABELS: Record<string, Record<string, string>> = {
    'c-a': { ring: '0', region: 'eu' },
    'c-b': { ring: '1', region: 'eu' },
    'c-c': { ring: '1', region: 'us' },
    'c-d': { ring: '2' },
    'c-e': {},
  };
  const labelsOf = (cluster: string) => LABELS[cluster] ?? {};
  const t = (cluster: string, namespace = 'app'): WaveMember => ({ cluster, namespace });
  const layout = (waves: { name: string; members: WaveMember[] }[]) => waves.map((w) => `${w.name}: ${w.members.map((m) => `${m.cluster}/${m.namespace}`).join(' ')}`.trimEnd());

  it('puts each target in the wave that names its cluster or whose selector matches it, and every other target in a last wave "rest"', () => {
    const spec = rolloutSpecOf({
      waves: [
        { name: 'canary', clusters: ['c-a'] },
        { name: 'us', clusterSelector: { matchLabels: { region: 'us' } } },
      ],
    });
    const waves = assignWaves(spec, [t('c-e'), t('c-c'), t('c-a'), t('c-d'), t('c-b')], labelsOf);
    expect(layout(waves)).toEqual(['canary: c-a/app', 'us: c-c/app', 'rest: c-b/app c-d/app c-e/app']);
  });

  it('gives a target matched by two waves to the first of them', () => {
    const spec = rolloutSpecOf({
      waves: [
        { name: 'eu', clusterSelector: { matchLabels: { region: 'eu' } } },
        { name: 'ring-1', clusterSelector: { matchLabels: { ring: '1' } } },
        { name: 'named', clusters: ['c-b', 'c-a'] },
      ],
    });
    expect(layout(assignWaves(spec, [t('c-a'), t('c-b'), t('c-c')], labelsOf))).toEqual(['eu: c-a/app c-b/app', 'ring-1: c-c/app', 'named:', 'rest:']);
  });

  it('always lists the rest wave, and every wave, even when empty', () => {
    const spec = rolloutSpecOf({
      waves: [
        { name: 'canary', clusters: ['c-a'] },
        { name: 'eu', clusters: ['c-b'] },
      ],
    });
    expect(assignWaves(spec, [], labelsOf)).toEqual([
      { name: 'canary', members: [] },
      { name: 'eu', members: [] },
      { name: 'rest', members: [] },
    ]);
  });

  it('orders a wave by cluster name, then namespace, without orderBy', () => {
    const spec = rolloutSpecOf({ waves: [{ name: 'all', clusterSelector: {} }] });
    const waves = assignWaves(spec, [t('c-d', 'b'), t('c-b', 'z'), t('c-d', 'a'), t('c-a', 'm'), t('c-b', 'a')], labelsOf);
    expect(layout(waves)).toEqual(['all: c-a/m c-b/a c-b/z c-d/a c-d/b', 'rest:']);
  });

  it('orders a wave by the orderBy label, numbers as numbers, clusters without the label last, ties by cluster name and namespace', () => {
    const labels: Record<string, Record<string, string>> = { a: { prio: '10' }, b: { prio: '2' }, c: {}, d: { prio: '2' }, e: { prio: '1' }, f: {} };
    const spec = rolloutSpecOf({ waves: [{ name: 'all', clusterSelector: {} }], orderBy: 'cluster.labels.prio' });
    const waves = assignWaves(spec, [t('f'), t('a'), t('d', 'y'), t('c'), t('b'), t('d', 'x'), t('e')], (c) => labels[c] ?? {});
    expect(layout(waves)).toEqual(['all: e/app b/app d/x d/y a/app c/app f/app', 'rest:']);
  });

  it('orders the rest wave by orderBy as well', () => {
    const spec = rolloutSpecOf({ waves: [{ name: 'canary', clusters: ['c-a'] }], orderBy: 'cluster.labels.ring' });
    expect(layout(assignWaves(spec, [t('c-e'), t('c-b'), t('c-d'), t('c-a'), t('c-c')], labelsOf))).toEqual(['canary: c-a/app', 'rest: c-b/app c-c/app c-d/app c-e/app']);
  });
});

describe('parallelLimit', () => {
  it('without maxParallel releases the whole wave at once, at least one', () => {
    expect(parallelLimit(null, 7)).toBe(7);
    expect(parallelLimit(null, 1)).toBe(1);
    expect(parallelLimit(null, 0)).toBe(1);
  });

  it('takes a count as it is', () => {
    expect(parallelLimit(1, 10)).toBe(1);
    expect(parallelLimit(3, 10)).toBe(3);
  });

  it('rounds a percentage of the wave up, and never below one', () => {
    expect(parallelLimit('25%', 4)).toBe(1);
    expect(parallelLimit('25%', 5)).toBe(2);
    expect(parallelLimit('25%', 8)).toBe(2);
    expect(parallelLimit('25%', 9)).toBe(3);
    expect(parallelLimit('50%', 3)).toBe(2);
    expect(parallelLimit('100%', 7)).toBe(7);
    expect(parallelLimit('1%', 3)).toBe(1);
    expect(parallelLimit('1%', 150)).toBe(2);
    expect(parallelLimit('50%', 0)).toBe(1);
  });
});

describe('waveSpec', () => {
  it('finds a named wave, and gives the rest wave all at once, no soak, no approval', () => {
    const spec = rolloutSpecOf({ waves: [{ name: 'canary', clusters: ['east'], maxParallel: 1, soakSeconds: 60, approval: true }] });
    expect(waveSpec(spec, 'canary')).toBe(spec.waves[0]);
    expect(waveSpec(spec, 'rest')).toEqual({ name: 'rest', maxParallel: null, soakSeconds: 0, approval: false });
  });
});
