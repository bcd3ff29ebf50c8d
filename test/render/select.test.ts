// Choosing the renderer for a path, and rendering any path with the one it calls for.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RenderError, rendererFor, Renderers } from '../../src/engine';
import { binariesDir } from '../testbed/cluster';
import { configMap, makeTree, type TestTree } from './tree';

const bin = binariesDir();
const target = { application: 'shop', cluster: 'east', namespace: 'shop-prod' };

describe('choosing a renderer', () => {
  let tree: TestTree;

  beforeAll(async () => {
    tree = await makeTree({
      'k1/kustomization.yaml': { resources: ['cm.yaml'] },
      'k1/cm.yaml': configMap('from-kustomize'),
      'k2/kustomization.yml': { resources: [] },
      'k3/Kustomization': { resources: [] },
      'h/Chart.yaml': { apiVersion: 'v2', name: 'h', version: '0.1.0' },
      'h/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-helm-{{ .Release.Namespace }}\n',
      'both/kustomization.yaml': { resources: [] },
      'both/Chart.yaml': { apiVersion: 'v2', name: 'both', version: '0.1.0' },
      'plain/cm.yaml': configMap('plain'),
      'plain/values.yaml': configMap('also-plain'),
      'dir-named-chart/Chart.yaml/x.yaml': configMap('x'),
      'escaping-chart/Chart.yaml': { link: '../../outside.yaml' },
      linked: { link: 'h' },
    });
  });

  afterAll(() => tree?.remove());

  it('picks kustomize for any kustomization file name, helm for Chart.yaml, plain otherwise', async () => {
    expect(await rendererFor(tree.root, 'k1')).toBe('kustomize');
    expect(await rendererFor(tree.root, 'k2')).toBe('kustomize');
    expect(await rendererFor(tree.root, 'k3')).toBe('kustomize');
    expect(await rendererFor(tree.root, 'h')).toBe('helm');
    expect(await rendererFor(tree.root, 'linked')).toBe('helm');
    expect(await rendererFor(tree.root, 'both')).toBe('kustomize');
    // only the path itself counts, and only a file
    expect(await rendererFor(tree.root, 'plain')).toBe('plain');
    expect(await rendererFor(tree.root, 'dir-named-chart')).toBe('plain');
    expect(await rendererFor(tree.root, '')).toBe('plain');
  });

  it('applies the repository rules to the path and its marker files', async () => {
    await expect(rendererFor(tree.root, '../outside-base')).rejects.toThrow(RenderError);
    await expect(rendererFor(tree.root, 'escaping-chart')).rejects.toThrow(/^escaping-chart\/Chart\.yaml: symlink leaves the repository; refused/);
    await expect(rendererFor(tree.root, 'missing')).rejects.toThrow('missing: no such directory in the repository');
  });

  it('renders with the renderer the path calls for and says which', async () => {
    const renderers = new Renderers({ kubectl: join(bin, 'kubectl'), helm: join(bin, 'helm') });
    const name = async (dir: string) => {
      const { renderer, objects } = await renderers.render(tree.root, dir, target);
      return [renderer, objects.map((o) => o.object.metadata.name)];
    };
    expect(await name('k1')).toEqual(['kustomize', ['from-kustomize']]);
    expect(await name('h')).toEqual(['helm', ['from-helm-shop-prod']]);
    expect(await name('plain')).toEqual(['plain', ['plain', 'also-plain']]);
  });

  it('keys renders by what the output depends on', () => {
    const renderers = new Renderers();
    const caps = { kubeVersion: 'v1.34.4', apiVersions: ['v1', 'apps/v1'] };
    const sameCaps = { kubeVersion: 'v1.34.4', apiVersions: ['apps/v1', 'v1'] };
    const other = { ...target, cluster: 'west' };
    expect(renderers.parameters('plain', target, { capabilities: caps })).toBe(renderers.parameters('plain', { ...target, namespace: 'x' }));
    expect(renderers.parameters('kustomize', target, { capabilities: caps })).toBe(
      renderers.parameters('kustomize', other, { capabilities: { kubeVersion: 'v1.20.0', apiVersions: [] } }),
    );
    const helm = renderers.parameters('helm', target, { capabilities: caps, helm: { valueFiles: ['a.yaml'], values: { b: 1, a: { y: 1, x: 2 } } } });
    // the cluster name itself does not matter, what it leads to does
    expect(renderers.parameters('helm', other, { capabilities: sameCaps, helm: { valueFiles: ['a.yaml'], values: { a: { x: 2, y: 1 }, b: 1 } } })).toBe(helm);
    for (const changed of [
      renderers.parameters('helm', { ...target, namespace: 'x' }, { capabilities: caps, helm: { valueFiles: ['a.yaml'], values: { b: 1, a: { y: 1, x: 2 } } } }),
      renderers.parameters('helm', { ...target, application: 'x' }, { capabilities: caps, helm: { valueFiles: ['a.yaml'], values: { b: 1, a: { y: 1, x: 2 } } } }),
      renderers.parameters('helm', target, { capabilities: { ...caps, kubeVersion: 'v1.33.0' }, helm: { valueFiles: ['a.yaml'], values: { b: 1, a: { y: 1, x: 2 } } } }),
      renderers.parameters('helm', target, { capabilities: { ...caps, apiVersions: ['v1'] }, helm: { valueFiles: ['a.yaml'], values: { b: 1, a: { y: 1, x: 2 } } } }),
      renderers.parameters('helm', target, { capabilities: caps, helm: { valueFiles: [], values: { b: 1, a: { y: 1, x: 2 } } } }),
      renderers.parameters('helm', target, { capabilities: caps, helm: { valueFiles: ['a.yaml'], values: { b: 2, a: { y: 1, x: 2 } } } }),
      renderers.parameters('helm', target, { helm: { valueFiles: ['a.yaml'], values: { b: 1, a: { y: 1, x: 2 } } } }),
    ])
      expect(changed).not.toBe(helm);
    // with remote sources allowed, a kustomization's helmCharts see the capabilities
    const remote = new Renderers({ allowRemote: true });
    expect(remote.parameters('kustomize', target, { capabilities: caps })).not.toBe(remote.parameters('kustomize', target, { capabilities: { ...caps, kubeVersion: 'v1.33.0' } }));
  });
});
