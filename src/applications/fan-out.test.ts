import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LabelSelectorObject } from '../shared/label-selector';
import { InvalidInputError } from '../shared/errors';
import { checkDefinition, checkTemplate, Destination, expandTargets, FleetCluster, renderTemplate } from './fan-out';

const fleet: FleetCluster[] = [
  { name: 'west', labels: { env: 'prod', region: 'us' } },
  { name: 'east', labels: { env: 'prod', region: 'eu', zone: 'a' } },
  { name: 'stage', labels: { env: 'staging', region: 'eu', zone: 'b' } },
];

const keys = (targets: { cluster: string; namespace: string }[]) => targets.map((t) => `${t.cluster}/${t.namespace}`);
const expand = (destinations: Destination[], path = 'apps/web', clusters = fleet) => expandTargets({ path, destinations }, clusters);

function invalid(run: () => void): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error('expected an InvalidInputError, nothing was thrown');
}

describe('expandTargets', () => {
  it('targets a cluster named in a destination', () => {
    expect(expand([{ cluster: 'east', namespace: 'web' }])).toEqual([{ cluster: 'east', namespace: 'web', path: 'apps/web' }]);
  });

  it('gives no target for a named cluster that is not in the fleet', () => {
    expect(expand([{ cluster: 'gone', namespace: 'web' }])).toEqual([]);
  });

  it('never reads a destination without cluster and clusterSelector as every cluster', () => {
    expect(expand([{ namespace: 'web' }])).toEqual([]);
  });

  it('gives no targets on an empty fleet', () => {
    expect(
      expand(
        [
          { cluster: 'east', namespace: 'web' },
          { clusterSelector: {}, namespace: 'web' },
        ],
        'apps/web',
        [],
      ),
    ).toEqual([]);
  });

  it('targets every cluster whose labels match matchLabels', () => {
    expect(keys(expand([{ clusterSelector: { matchLabels: { env: 'prod' } }, namespace: 'web' }]))).toEqual(['east/web', 'west/web']);
  });

  it('targets every cluster whose labels match matchExpressions', () => {
    const notUs = {
      matchExpressions: [
        { key: 'region', operator: 'NotIn', values: ['us'] },
        { key: 'zone', operator: 'Exists' },
      ],
    };
    expect(keys(expand([{ clusterSelector: notUs, namespace: 'web' }]))).toEqual(['east/web', 'stage/web']);
    const both = { matchLabels: { region: 'eu' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['staging'] }] };
    expect(keys(expand([{ clusterSelector: both, namespace: 'web' }]))).toEqual(['stage/web']);
  });

  it('treats an empty selector as matching every cluster', () => {
    expect(keys(expand([{ clusterSelector: {}, namespace: 'web' }]))).toEqual(['east/web', 'stage/web', 'west/web']);
  });

  it('merges destinations that yield the same cluster and namespace into one target', () => {
    const targets = expand([
      { cluster: 'east', namespace: 'web' },
      { clusterSelector: { matchLabels: { region: 'eu' } }, namespace: 'web' },
      { clusterSelector: {}, namespace: 'web-{{cluster.name}}' },
      { cluster: 'east', namespace: 'web-east' },
    ]);
    expect(keys(targets)).toEqual(['east/web', 'east/web-east', 'stage/web', 'stage/web-stage', 'west/web-west']);
  });

  it('sorts by cluster then namespace whatever the order of destinations and clusters', () => {
    const targets = expand(
      [
        { clusterSelector: {}, namespace: 'b' },
        { clusterSelector: {}, namespace: 'a' },
      ],
      'x',
      [...fleet].reverse(),
    );
    expect(keys(targets)).toEqual(['east/a', 'east/b', 'stage/a', 'stage/b', 'west/a', 'west/b']);
  });

  it('renders {{cluster.name}} and {{cluster.labels.region}} in namespace and path', () => {
    const targets = expand(
      [{ clusterSelector: { matchLabels: { env: 'prod' } }, namespace: 'web-{{ cluster.name }}-{{cluster.labels.region}}' }],
      'envs/{{cluster.labels.region}}/{{cluster.name}}',
    );
    expect(targets).toEqual([
      { cluster: 'east', namespace: 'web-east-eu', path: 'envs/eu/east' },
      { cluster: 'west', namespace: 'web-west-us', path: 'envs/us/west' },
    ]);
  });

  it('marks only the target whose cluster lacks a label with a problem, keeping the template as namespace', () => {
    const targets = expand([{ clusterSelector: {}, namespace: 'web-{{cluster.labels.zone}}' }]);
    expect(targets).toEqual([
      { cluster: 'east', namespace: 'web-a', path: 'apps/web' },
      { cluster: 'stage', namespace: 'web-b', path: 'apps/web' },
      { cluster: 'west', namespace: 'web-{{cluster.labels.zone}}', path: 'apps/web', problem: 'namespace "web-{{cluster.labels.zone}}": cluster "west" has no label "zone"' },
    ]);
  });

  it('marks a rendered namespace that is not a DNS-1123 label with a problem', () => {
    const clusters = [
      { name: 'a', labels: { team: 'Team_1' } },
      { name: 'b', labels: { team: 'team-2' } },
    ];
    expect(expand([{ clusterSelector: {}, namespace: '{{cluster.labels.team}}' }], 'apps', clusters)).toEqual([
      { cluster: 'a', namespace: 'Team_1', path: 'apps', problem: 'namespace "Team_1" (from "{{cluster.labels.team}}") is not a DNS-1123 label' },
      { cluster: 'b', namespace: 'team-2', path: 'apps' },
    ]);
  });

  it('marks a path that renders outside the repository or lacks a label with a problem', () => {
    const clusters: FleetCluster[] = [
      { name: 'a', labels: { dir: '..' } },
      { name: 'b', labels: { dir: 'b' } },
      { name: 'c', labels: {} },
    ];
    const targets = expand([{ clusterSelector: {}, namespace: 'web' }], 'envs/{{cluster.labels.dir}}/../x', clusters);
    expect(targets[0]).toEqual({
      cluster: 'a',
      namespace: 'web',
      path: 'envs/../../x',
      problem: expect.stringMatching(/^path "envs\/\.\.\/\.\.\/x" \(from "envs\/\{\{cluster\.labels\.dir\}\}\/\.\.\/x"\) leaves the repository/),
    });
    expect(targets[1].problem).toMatch(/leaves the repository/); // `..` in the template itself
    expect(targets[2]).toMatchObject({ path: 'envs/{{cluster.labels.dir}}/../x', problem: 'path "envs/{{cluster.labels.dir}}/../x": cluster "c" has no label "dir"' });
    expect(expand([{ clusterSelector: {}, namespace: 'web' }], 'envs/{{cluster.labels.dir}}', clusters).map((t) => t.problem !== undefined)).toEqual([true, false, true]);
  });

  it('merges two destinations whose target has the same problem into one target', () => {
    // a good and a problem variant of one key cannot arise today (path depends on the cluster only)
    const clusters = [{ name: 'a', labels: {} }];
    const missing = { clusterSelector: {}, namespace: 'w-{{cluster.labels.nope}}' };
    expect(expand([missing, { cluster: 'a', namespace: 'w-{{cluster.labels.nope}}' }, missing], 'apps', clusters)).toEqual([
      { cluster: 'a', namespace: 'w-{{cluster.labels.nope}}', path: 'apps', problem: 'namespace "w-{{cluster.labels.nope}}": cluster "a" has no label "nope"' },
    ]);
  });
});

describe('renderTemplate', () => {
  it('renders labels and names, and reports a missing label as a problem', () => {
    const east = fleet[1];
    expect(renderTemplate('{{cluster.name}}.{{ cluster.labels.zone }}', east)).toEqual({ value: 'east.a' });
    expect(renderTemplate('{{cluster.labels.constructor}}', east)).toEqual({ problem: 'cluster "east" has no label "constructor"' });
  });
});

describe('checkTemplate', () => {
  it('accepts the two placeholders, with or without inner whitespace, and plain text', () => {
    for (const text of ['', 'web', '{{cluster.name}}', 'x-{{ cluster.name }}-{{cluster.labels.example.com/team}}', '{{\tcluster.labels.region }}']) {
      expect(() => checkTemplate(text, 'path')).not.toThrow();
    }
  });

  it.each([
    ['{{cluster.server}}', /unknown placeholder "\{\{cluster\.server\}\}" at character 1/],
    ['web-{{app.name}}', /unknown placeholder .* at character 5/],
    ['{{}}', /unknown placeholder/],
    ['{{cluster.labels.}}', /not a valid label key/],
    ['{{cluster.labels.bad key}}', /not a valid label key/],
    ['web-{{cluster.name}', /unbalanced braces: "\{" at character 5/],
    ['web-cluster.name}}', /unbalanced braces: "\}" at character 17/],
    ['{{{cluster.name}}}', /unbalanced braces/],
    ['{{cluster.{{name}}}}', /unbalanced braces/],
  ])('refuses %j naming the field', (text, message) => {
    const error = invalid(() => checkTemplate(text, 'destinations[1].namespace'));
    expect(error).toMatch(/^destinations\[1\]\.namespace: /);
    expect(error).toMatch(message);
  });
});

describe('checkDefinition', () => {
  const ok: Destination = { cluster: 'east', namespace: 'web' };

  it('accepts a good definition, including no destinations at all', () => {
    expect(() =>
      checkDefinition({ path: 'apps/{{cluster.name}}', destinations: [ok, { clusterSelector: { matchLabels: { env: 'prod' } }, namespace: 'w-{{cluster.name}}' }] }),
    ).not.toThrow();
    expect(() => checkDefinition({ path: '', destinations: [] })).not.toThrow();
  });

  it.each([[{ namespace: 'web' }], [{ cluster: 'east', clusterSelector: {}, namespace: 'web' }]])(
    'refuses a destination with both or neither of cluster and clusterSelector: %j',
    (destination) => {
      expect(invalid(() => checkDefinition({ path: 'apps', destinations: [ok, destination] }))).toBe('destinations[1]: give exactly one of cluster and clusterSelector');
    },
  );

  it('names the destination of a selector with a bad operator or key', () => {
    const badOperator = { clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Equals', values: ['x'] }] }, namespace: 'web' };
    expect(invalid(() => checkDefinition({ path: 'apps', destinations: [ok, ok, badOperator] }))).toBe(
      'destinations[2].clusterSelector: matchExpressions[0]: operator must be In, NotIn, Exists or DoesNotExist',
    );
    const badKey = { clusterSelector: { matchLabels: { 'bad key': 'x' } }, namespace: 'web' };
    expect(invalid(() => checkDefinition({ path: 'apps', destinations: [badKey] }))).toMatch(/^destinations\[0\]\.clusterSelector: matchLabels key 1/);
    const notObject = { clusterSelector: 'env=prod' as never, namespace: 'web' };
    expect(invalid(() => checkDefinition({ path: 'apps', destinations: [notObject] }))).toBe('destinations[0].clusterSelector: must be an object');
  });

  it('names the field of a bad template', () => {
    expect(invalid(() => checkDefinition({ path: 'apps', destinations: [ok, { cluster: 'west', namespace: '{{cluster.server}}' }] }))).toMatch(
      /^destinations\[1\]\.namespace: unknown placeholder/,
    );
    expect(invalid(() => checkDefinition({ path: 'apps/{{cluster.name', destinations: [ok] }))).toMatch(/^path: unbalanced braces/);
  });

  it('refuses a namespace or path without placeholders that no cluster could use', () => {
    expect(invalid(() => checkDefinition({ path: 'apps', destinations: [{ cluster: 'east', namespace: 'Team_1' }] }))).toBe(
      'destinations[0].namespace: namespace "Team_1" is not a DNS-1123 label',
    );
    expect(invalid(() => checkDefinition({ path: '../secrets', destinations: [ok] }))).toMatch(/^path: path "\.\.\/secrets" leaves the repository/);
  });
});

describe('expandTargets properties', () => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  const labels = fc
    .record({ env: fc.constantFrom('prod', 'staging') }, { requiredKeys: [] })
    .chain((base) => fc.record({ region: fc.constantFrom('eu', 'us', 'Bad_Value') }, { requiredKeys: [] }).map((more) => ({ ...base, ...more })));
  const clustersArb = fc.uniqueArray(fc.record({ name: fc.constantFrom(...names), labels }), { selector: (c) => c.name, maxLength: 5 });
  const namespace = fc.constantFrom('web', 'web-{{cluster.name}}', '{{cluster.labels.region}}', 'x-{{cluster.labels.env}}');
  const destinationArb: fc.Arbitrary<Destination> = fc.oneof(
    fc.record({ cluster: fc.constantFrom(...names, 'zz'), namespace }),
    fc.record({
      clusterSelector: fc.constantFrom<LabelSelectorObject>({}, { matchLabels: { env: 'prod' } }, { matchExpressions: [{ key: 'region', operator: 'Exists' }] }),
      namespace,
    }),
  );
  const input = fc.record({ clusters: clustersArb, destinations: fc.array(destinationArb, { maxLength: 6 }), seed: fc.integer() });

  it('never yields two targets with the same cluster and namespace, only fleet clusters, sorted', () => {
    fc.assert(
      fc.property(input, ({ clusters, destinations }) => {
        const targets = expandTargets({ path: 'apps/{{cluster.name}}', destinations }, clusters);
        const seen = keys(targets);
        expect(new Set(seen).size).toBe(seen.length);
        expect(targets.every((t) => clusters.some((c) => c.name === t.cluster))).toBe(true);
        const sorted = [...targets].sort((x, y) => (x.cluster === y.cluster ? (x.namespace < y.namespace ? -1 : 1) : x.cluster < y.cluster ? -1 : 1));
        expect(targets).toEqual(sorted);
      }),
    );
  });

  it('does not depend on the order of the clusters', () => {
    fc.assert(
      fc.property(input, ({ clusters, destinations, seed }) => {
        const shuffled = [...clusters].sort((x, y) => ((x.name.charCodeAt(0) * seed) % 7) - ((y.name.charCodeAt(0) * seed) % 7));
        expect(expandTargets({ path: 'p', destinations }, shuffled)).toEqual(expandTargets({ path: 'p', destinations }, clusters));
        expect(expandTargets({ path: 'p', destinations }, [...clusters].reverse())).toEqual(expandTargets({ path: 'p', destinations }, clusters));
      }),
    );
  });
});
