// Kustomize through the test bed's real kubectl (`kubectl kustomize`), on real files.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KustomizeRenderer, RenderError, type RenderedObject } from '../../src/engine';
import { binariesDir } from '../testbed/cluster';
import { configMap, makeTree, type TestTree } from './tree';

const target = { application: 'shop', cluster: 'east', namespace: 'shop-prod' };
const bin = binariesDir();
const kubectl = join(bin, 'kubectl');

async function refusal(p: Promise<unknown>): Promise<RenderError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RenderError);
  return e as RenderError;
}

const names = (objects: RenderedObject[]) => objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`);

describe('kustomize renderer', () => {
  let tree: TestTree;
  let server: Server;
  let served: string[];
  let url: string;
  const renderer = new KustomizeRenderer({ kubectl });

  beforeAll(async () => {
    served = [];
    server = createServer((req, res) => {
      served.push(req.url ?? '');
      res.setHeader('content-type', 'application/yaml');
      res.end('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: fetched }\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    tree = await makeTree({
      'base/kustomization.yaml': { resources: ['deploy.yaml', 'cm.yaml'] },
      'base/cm.yaml': configMap('settings', { level: 'base' }),
      'base/deploy.yaml': {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } },
        },
      },
      'overlays/prod/kustomization.yaml': {
        resources: ['../../base'],
        namePrefix: 'prod-',
        patches: [{ path: 'replicas.yaml' }],
        configMapGenerator: [{ name: 'extra', literals: ['tier=prod'] }],
      },
      'overlays/prod/replicas.yaml': { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } },
      'overlays/staging/Kustomization': { resources: ['../../base'], namePrefix: 'staging-' },
    });
  });

  afterAll(async () => {
    await tree?.remove();
    await new Promise((r) => server?.close(r));
  });

  it('renders an overlay that uses ../base inside the repository', async () => {
    const prod = await renderer.render(tree.root, 'overlays/prod', target);
    expect(names(prod).sort()).toEqual([expect.stringMatching(/^ConfigMap\/prod-extra-[a-z0-9]{10}$/), 'ConfigMap/prod-settings', 'Deployment/prod-web']);
    expect(prod.find((o) => o.object.kind === 'Deployment')!.object.spec).toMatchObject({ replicas: 3 });
    expect(prod[0].source.file).toBe('overlays/prod/kustomization.yaml');
    // kustomize leaves the namespace to the engine: the target's is not applied here
    expect(prod.every((o) => o.object.metadata.namespace === undefined)).toBe(true);
    const staging = await renderer.render(tree.root, './overlays/staging/', target);
    expect(names(staging).sort()).toEqual(['ConfigMap/staging-settings', 'Deployment/staging-web']);
    expect(staging[0].source.file).toBe('overlays/staging/Kustomization');
  });

  it('refuses a base or resource outside the repository, which kustomize alone would load', async () => {
    await tree.write({
      'apps/escape/kustomization.yaml': { resources: ['../../../outside-base'] },
      'apps/absolute/kustomization.yaml': { resources: [join(tree.root, '..', 'outside-base')] },
      'apps/file/kustomization.yaml': { resources: ['../../../outside.yaml'] },
      'apps/component/kustomization.yaml': { components: ['../../../outside-base'] },
    });
    // kustomize's restrictor stops files, not directories: the reason for the check
    const alone = await promisify(execFile)(kubectl, ['kustomize', join(tree.root, 'apps/escape')]);
    expect(alone.stdout).toContain('from outside the repository');

    expect((await refusal(renderer.render(tree.root, 'apps/escape', target))).message).toBe(
      'apps/escape/kustomization.yaml: resources: "../../../outside-base" leaves the repository; refused',
    );
    expect((await refusal(renderer.render(tree.root, 'apps/absolute', target))).message).toMatch(
      /^apps\/absolute\/kustomization\.yaml: resources: ".*" is an absolute path; refused/,
    );
    expect((await refusal(renderer.render(tree.root, 'apps/file', target))).message).toMatch(/leaves the repository; refused$/);
    expect((await refusal(renderer.render(tree.root, 'apps/component', target))).message).toMatch(/^apps\/component\/kustomization\.yaml: components: .* leaves the repository/);
    // the application path itself follows the repository's rules
    expect((await refusal(renderer.render(tree.root, '../outside-base', target))).message).toMatch(/path leaves the repository; refused/);
  });

  it('refuses symlinks that leave the repository, in bases and in files kustomize reads', async () => {
    await tree.write({
      'links/base/kustomization.yaml': { resources: ['../up'] },
      'links/up': { link: '../../outside-base' },
      'links/file/kustomization.yaml': { resources: ['cm.yaml'] },
      'links/file/cm.yaml': { link: join(tree.root, '..', 'outside.yaml') },
      'links/generated/kustomization.yaml': { configMapGenerator: [{ name: 'g', files: ['secret.txt'] }] },
      'links/generated/secret.txt': { link: '../../../outside.yaml' },
      'links/absolute-file/kustomization.yaml': { secretGenerator: [{ name: 's', files: ['/etc/hostname'] }] },
      'links/chained/kustomization.yaml': { resources: ['../inner'] },
      'links/inner': { link: 'base' },
    });
    expect((await refusal(renderer.render(tree.root, 'links/base', target))).message).toMatch(
      /^links\/base\/kustomization\.yaml: resources: "\.\.\/up" leads out of the repository through a symlink; refused/,
    );
    expect((await refusal(renderer.render(tree.root, 'links/file', target))).message).toMatch(
      /^links\/file\/kustomization\.yaml: resources: "cm\.yaml" leads out .*points to the absolute path/,
    );
    // a file only kustomize reads: its own load restrictor refuses it
    const generated = await refusal(renderer.render(tree.root, 'links/generated', target));
    expect(generated.message).toMatch(/^links\/generated\/kustomization\.yaml: kustomize failed: .*security; file .* is not in or below/s);
    expect(generated.message).not.toContain(tree.root);
    expect((await refusal(renderer.render(tree.root, 'links/absolute-file', target))).message).toMatch(/kustomize failed: .*security; file '\/etc\/hostname' is not in or below/s);
    // through an in-repository link into a kustomization that escapes: still refused
    expect((await refusal(renderer.render(tree.root, 'links/chained', target))).message).toMatch(/^links\/base\/kustomization\.yaml: resources: "\.\.\/up"/);
  });

  it('refuses remote bases and files unless remote sources are allowed', async () => {
    const remote = [
      'https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0',
      'github.com/kubernetes-sigs/kustomize/examples/helloWorld',
      'git@github.com:org/repo.git//deploy',
      'git::https://example.com/org/repo',
      'ssh://git@example.com/org/repo',
      `${url}/cm.yaml`,
    ];
    for (const [i, entry] of remote.entries()) await tree.write({ [`remote/r${i}/kustomization.yaml`]: { resources: [entry] } });
    await tree.write({
      'remote/component/kustomization.yaml': { components: ['https://example.com/org/repo//c'] },
      'remote/nested/kustomization.yaml': { resources: ['../r5'] },
      'remote/patch/kustomization.yaml': { resources: ['cm.yaml'], patches: [{ path: `${url}/patch.yaml` }] },
      'remote/patch/cm.yaml': configMap('c'),
      'remote/helm/kustomization.yaml': { helmCharts: [{ name: 'redis', repo: 'https://charts.example.com', version: '1.0.0' }] },
    });
    for (const [i, entry] of remote.entries()) {
      expect((await refusal(renderer.render(tree.root, `remote/r${i}`, target))).message).toBe(
        `remote/r${i}/kustomization.yaml: resources: "${entry}" is a remote source; remote sources are not allowed (render option allowRemote)`,
      );
    }
    expect((await refusal(renderer.render(tree.root, 'remote/component', target))).message).toMatch(/components: .* is a remote source/);
    expect((await refusal(renderer.render(tree.root, 'remote/nested', target))).message).toMatch(/^remote\/r5\/kustomization\.yaml: resources: .* is a remote source/);
    expect((await refusal(renderer.render(tree.root, 'remote/patch', target))).message).toMatch(/patches\.path: .* is a remote source/);
    expect((await refusal(renderer.render(tree.root, 'remote/helm', target))).message).toMatch(/helmCharts: Helm charts in a kustomization pull charts and are not allowed/);
    expect(served).toEqual([]);

    // the option works: the same http resource is fetched when allowed
    const allowing = new KustomizeRenderer({ kubectl, allowRemote: true });
    expect(names(await allowing.render(tree.root, 'remote/r5', target))).toEqual(['ConfigMap/fetched']);
    expect(served).toEqual(['/cm.yaml']);
  });

  it('never enables exec or container plugins', async () => {
    const marker = join(tree.root, '..', 'plugin-ran');
    await tree.write({
      'plugins/exec/kustomization.yaml': { resources: ['cm.yaml'], transformers: ['fn.yaml'] },
      'plugins/exec/cm.yaml': configMap('c'),
      'plugins/exec/fn.yaml': {
        apiVersion: 'example.com/v1',
        kind: 'Evil',
        metadata: { name: 'evil', annotations: { 'config.kubernetes.io/function': 'exec:\n  path: ./evil.sh\n' } },
      },
      'plugins/exec/evil.sh': `#!/bin/sh\ntouch ${marker}\ncat\n`,
      'plugins/container/kustomization.yaml': { resources: ['cm.yaml'], generators: ['fn.yaml'] },
      'plugins/container/cm.yaml': configMap('c'),
      'plugins/container/fn.yaml': {
        apiVersion: 'example.com/v1',
        kind: 'Gen',
        metadata: { name: 'gen', annotations: { 'config.kubernetes.io/function': 'container:\n  image: example.com/gen:1\n' } },
      },
    });
    const { chmod } = await import('node:fs/promises');
    await chmod(join(tree.root, 'plugins/exec/evil.sh'), 0o755);
    expect((await refusal(renderer.render(tree.root, 'plugins/exec', target))).message).toMatch(/kustomize failed: .*external plugins disabled/);
    expect((await refusal(renderer.render(tree.root, 'plugins/container', target))).message).toMatch(/kustomize failed: .*external plugins disabled/);
    await expect(access(marker)).rejects.toThrow();
  });

  it("fails with kustomize's message, repository-relative, when a kustomization is broken", async () => {
    await tree.write({
      'broken/missing/kustomization.yaml': { resources: ['nope.yaml'] },
      'broken/yaml/kustomization.yaml': 'resources: [a.yaml\n',
      'broken/none/readme.md': 'no kustomization',
    });
    const missing = await refusal(renderer.render(tree.root, 'broken/missing', target));
    expect(missing.message).toMatch(/^broken\/missing\/kustomization\.yaml: kustomize failed: .*nope\.yaml/s);
    expect(missing.message).not.toContain(tree.root);
    expect((await refusal(renderer.render(tree.root, 'broken/yaml', target))).message).toMatch(/^broken\/yaml\/kustomization\.yaml(:\d+)?: invalid YAML/);
    expect((await refusal(renderer.render(tree.root, 'broken/none', target))).message).toMatch(
      /^broken\/none: no kustomization\.yaml, kustomization\.yml, Kustomization in the directory/,
    );
  });

  it('reports a kubectl that is not there as a configuration error, not a render error', async () => {
    const missing = new KustomizeRenderer({ kubectl: '/nonexistent/kubectl' });
    const e = await missing.render(tree.root, 'overlays/prod', target).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(RenderError);
    expect((e as Error).message).toMatch(/kubectl binary "\/nonexistent\/kubectl" was not found/);
  });
});
