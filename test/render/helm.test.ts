// Helm through the test bed's pinned helm (v4), on real chart directories.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelmRenderer, RenderError, type RenderedObject } from '../../src/engine';
import { binariesDir } from '../testbed/cluster';
import { makeTree, type Entry, type TestTree } from './tree';

const helm = join(binariesDir(), 'helm');
const target = { application: 'shop', cluster: 'east', namespace: 'shop-prod' };

async function refusal(p: Promise<unknown>): Promise<RenderError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RenderError);
  return e as RenderError;
}

const byName = (objects: RenderedObject[], name: string) => objects.find((o) => o.object.metadata.name === name)!;

const chartYaml = (name: string, more: Record<string, unknown> = {}) => ({ apiVersion: 'v2', name, version: '0.1.0', ...more });

describe('helm renderer', () => {
  let tree: TestTree;
  const renderer = new HelmRenderer({ helm });

  beforeAll(async () => {
    tree = await makeTree({
      // the directory name differs from the chart name: sources are named by the directory
      'charts/web/Chart.yaml': chartYaml('web-chart'),
      'charts/web/values.yaml': { a: 'chart', b: 'chart', c: 'chart', region: 'none' },
      'charts/web/values-prod.yaml': { b: 'prod-file', c: 'prod-file' },
      'charts/web/env/eu.yaml': { region: 'eu' },
      'charts/web/templates/cm.yaml': [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: {{ .Release.Name }}-settings',
        '  namespace: {{ .Release.Namespace }}',
        'data:',
        '  a: {{ .Values.a | quote }}',
        '  b: {{ .Values.b | quote }}',
        '  c: {{ .Values.c | quote }}',
        '  region: {{ .Values.region | quote }}',
        '',
      ].join('\n'),
      'charts/web/templates/tests/test-pod.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-test\n  annotations: { "helm.sh/hook": test }\nspec: { containers: [{ name: t, image: busybox }] }\n',
      'charts/web/crds/widget.yaml': {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          names: { kind: 'Widget', plural: 'widgets' },
          scope: 'Namespaced',
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
        },
      },
    });
  });

  afterAll(() => tree?.remove());

  it('renders with values.yaml, then the value files, then the inline values; release name and namespace applied', async () => {
    const objects = await renderer.render(tree.root, 'charts/web', target, {
      helm: { valueFiles: ['values-prod.yaml', 'env/eu.yaml'], values: { c: 'inline' } },
    });
    const cm = byName(objects, 'shop-settings');
    expect(cm.object.metadata.namespace).toBe('shop-prod');
    expect(cm.object.data).toEqual({ a: 'chart', b: 'prod-file', c: 'inline', region: 'eu' });
    expect(cm.source).toEqual({ file: 'charts/web/templates/cm.yaml', line: 1 });
    // CRDs of crds/ are included, chart tests are not
    expect(objects.map((o) => o.object.kind).sort()).toEqual(['ConfigMap', 'CustomResourceDefinition']);
    expect(byName(objects, 'widgets.example.com').source.file).toBe('charts/web/crds/widget.yaml');

    const plain = await renderer.render(tree.root, 'charts/web', { ...target, application: 'other', namespace: 'other-ns' });
    expect(byName(plain, 'other-settings').object).toMatchObject({ metadata: { namespace: 'other-ns' }, data: { a: 'chart', b: 'chart', c: 'chart' } });
  });

  it("renders what the target cluster's capabilities allow", async () => {
    await tree.write({
      'caps/Chart.yaml': chartYaml('caps'),
      'caps/templates/route.yaml': [
        '{{- if .Capabilities.APIVersions.Has "gateway.networking.k8s.io/v1/HTTPRoute" }}',
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: HTTPRoute',
        '{{- else }}',
        'apiVersion: networking.k8s.io/v1',
        'kind: Ingress',
        '{{- end }}',
        'metadata:',
        '  name: web',
        '  annotations:',
        '    kube-version: {{ .Capabilities.KubeVersion.Version | quote }}',
        '    sidecars: {{ semverCompare ">=1.33.0-0" .Capabilities.KubeVersion.Version | quote }}',
        '',
      ].join('\n'),
    });
    const old = await renderer.render(tree.root, 'caps', target, { capabilities: { kubeVersion: 'v1.31.2', apiVersions: ['v1', 'apps/v1', 'networking.k8s.io/v1'] } });
    const current = await renderer.render(tree.root, 'caps', target, {
      capabilities: { kubeVersion: 'v1.34.4', apiVersions: ['v1', 'apps/v1', 'gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1/HTTPRoute'] },
    });
    expect(old.map((o) => [o.object.kind, o.object.metadata.annotations])).toEqual([['Ingress', { 'kube-version': 'v1.31.2', sidecars: 'false' }]]);
    expect(current.map((o) => [o.object.kind, o.object.metadata.annotations])).toEqual([['HTTPRoute', { 'kube-version': 'v1.34.4', sidecars: 'true' }]]);
    await expect(renderer.render(tree.root, 'caps', target, { capabilities: { kubeVersion: 'v1.34.4', apiVersions: ['v1,--set=x=y'] } })).rejects.toThrow(
      'invalid API version for rendering: "v1,--set=x=y"',
    );
  });

  it('renders local dependencies: vendored in charts/, and file:// ones without writing into the tree', async () => {
    const common = {
      'Chart.yaml': chartYaml('common'),
      'values.yaml': { greeting: 'hello' },
      'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-common\ndata:\n  greeting: {{ .Values.greeting | quote }}\n',
    };
    const files: Record<string, Entry> = {
      'umbrella/Chart.yaml': chartYaml('umbrella', { dependencies: [{ name: 'common', version: '0.1.0' }] }),
      'umbrella/values.yaml': { common: { greeting: 'from the parent' } },
      'umbrella/templates/own.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: own\n',
      'shared/Chart.yaml': chartYaml('shared-user', { dependencies: [{ name: 'common', version: '0.1.0', repository: 'file://../library/common' }] }),
      'shared/templates/own.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared-own\n',
    };
    for (const [path, content] of Object.entries(common)) {
      files[`umbrella/charts/common/${path}`] = content;
      files[`library/common/${path}`] = content;
    }
    await tree.write(files);

    const umbrella = await renderer.render(tree.root, 'umbrella', target);
    expect(byName(umbrella, 'shop-common').object.data).toEqual({ greeting: 'from the parent' });
    expect(byName(umbrella, 'shop-common').source.file).toBe('umbrella/charts/common/templates/cm.yaml');
    expect(byName(umbrella, 'own').source.file).toBe('umbrella/templates/own.yaml');

    const shared = await renderer.render(tree.root, 'shared', target);
    expect(shared.map((o) => o.object.metadata.name).sort()).toEqual(['shared-own', 'shop-common']);
    expect(await readdir(join(tree.root, 'shared'))).toEqual(['Chart.yaml', 'templates']);

    await tree.write({ 'escaping/Chart.yaml': chartYaml('escaping', { dependencies: [{ name: 'x', version: '0.1.0', repository: 'file://../../outside-chart' }] }) });
    expect((await refusal(renderer.render(tree.root, 'escaping', target))).message).toBe(
      'escaping/Chart.yaml: dependency "x" (file://../../outside-chart) leaves the repository; refused',
    );
  });

  it('refuses value files outside the repository', async () => {
    const cases: [string, RegExp][] = [
      ['../../etc/passwd', /^charts\/web: value file "\.\.\/\.\.\/etc\/passwd" leaves the repository; refused \("\.\." is not allowed\)$/],
      ['/etc/passwd', /^charts\/web: value file "\/etc\/passwd" leaves the repository; refused \(absolute paths are not allowed\)$/],
      ['missing.yaml', /^charts\/web\/missing\.yaml: value file not found in the repository$/],
      ['templates', /^charts\/web\/templates: value file is not a file$/],
    ];
    for (const [file, message] of cases) {
      expect((await refusal(renderer.render(tree.root, 'charts/web', target, { helm: { valueFiles: ['values-prod.yaml', file] } }))).message).toMatch(message);
    }
    // a value file that is a link out of the repository (value files live in the chart directory,
    // whose every link is checked)
    await tree.write({
      'vf-up/Chart.yaml': chartYaml('vf-up'),
      'vf-up/values-prod.yaml': { link: '../../outside.yaml' },
      'vf-abs/Chart.yaml': chartYaml('vf-abs'),
      'vf-abs/values-prod.yaml': { link: '/etc/passwd' },
    });
    const options = { helm: { valueFiles: ['values-prod.yaml'] } };
    expect((await refusal(renderer.render(tree.root, 'vf-up', target, options))).message).toBe(
      'vf-up/values-prod.yaml: symlink leaves the repository; refused (a symlink on the way points above the repository root)',
    );
    expect((await refusal(renderer.render(tree.root, 'vf-abs', target, options))).message).toBe(
      'vf-abs/values-prod.yaml: symlink leaves the repository; refused (symlink vf-abs/values-prod.yaml points to the absolute path /etc/passwd)',
    );
  });

  it('refuses a chart directory, or a file in it, that leads out of the repository', async () => {
    const outsideChart = join(tree.root, '..', 'outside-chart');
    await makeChartOutside(outsideChart);
    await tree.write({
      'linked-chart': { link: '../outside-chart' },
      'peeking/Chart.yaml': chartYaml('peeking'),
      'peeking/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: peek\ndata:\n  stolen: {{ .Files.Get "files/passwd" | quote }}\n',
      'peeking/files/passwd': { link: '/etc/passwd' },
      'in-repo-link': { link: 'charts/web' },
    });
    expect((await refusal(renderer.render(tree.root, 'linked-chart', target))).message).toMatch(
      /^linked-chart: symlink leaves the repository; refused \(a symlink on the way points above the repository root\)/,
    );
    expect((await refusal(renderer.render(tree.root, 'peeking', target))).message).toMatch(/^peeking\/files\/passwd: symlink leaves the repository; refused/);
    // a link that stays inside is followed
    expect(byName(await renderer.render(tree.root, 'in-repo-link', target), 'shop-settings').source.file).toBe('in-repo-link/templates/cm.yaml');
  });

  it("fails with helm's message when a template is broken", async () => {
    await tree.write({
      'broken/Chart.yaml': chartYaml('broken-chart'),
      'broken/templates/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name | required "name is required" }}\n',
      'broken-syntax/Chart.yaml': chartYaml('broken-syntax'),
      'broken-syntax/templates/bad.yaml': 'metadata:\n  name: {{ .Values.x \n',
    });
    const required = await refusal(renderer.render(tree.root, 'broken', target));
    // template paths are the repository's, not the chart name's
    expect(required.message).toBe('broken: helm template failed: execution error at (broken/templates/bad.yaml:4:26): name is required');
    expect(required.message).not.toContain(tree.root);
    const syntax = await refusal(renderer.render(tree.root, 'broken-syntax', target));
    expect(syntax.message).toMatch(/^broken-syntax: helm template failed: .*bad\.yaml/s);
  });

  it('fails clearly when the output is over the cap', async () => {
    await tree.write({
      'big/Chart.yaml': chartYaml('big'),
      'big/templates/many.yaml': '{{- range until 2000 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ . }}\n{{- end }}\n',
    });
    expect((await new HelmRenderer({ helm }).render(tree.root, 'big', target)).length).toBe(2000);
    const capped = new HelmRenderer({ helm, maxOutputBytes: 16 * 1024 });
    expect((await refusal(capped.render(tree.root, 'big', target))).message).toBe('big: helm printed more than 16 KiB of output; it was killed');
  });

  it('kills a helm that hangs at the deadline', async () => {
    const fake = join(tree.root, '..', 'hanging-helm');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(fake, '#!/bin/sh\n/bin/sleep 300\n', { mode: 0o755 });
    const started = Date.now();
    expect((await refusal(new HelmRenderer({ helm: fake, timeoutMs: 500 }).render(tree.root, 'charts/web', target))).message).toBe(
      'charts/web: hanging-helm did not finish within 0.5s; it was killed',
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  describe('remote dependencies', () => {
    let server: Server;
    let served: string[];
    let url: string;
    let packages: string;

    beforeAll(async () => {
      packages = await mkdtemp(join(tmpdir(), 'flotilla-helm-repo-'));
      const src = join(packages, 'src');
      await makeChartOutside(src, 'redis');
      const run = promisify(execFile);
      const env = { PATH: '/usr/bin:/bin', HOME: packages };
      await run(helm, ['package', src, '--destination', packages], { env });
      served = [];
      server = createServer((req, res) => {
        served.push(req.url ?? '');
        const file = join(packages, (req.url ?? '/').slice(1));
        // void: the chain cannot reject (a file that is not there is answered with an empty body)
        void readFile(file)
          .catch(() => '')
          .then((body) => res.end(body));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await run(helm, ['repo', 'index', packages, '--url', url], { env });
      await tree.write({
        'remote/Chart.yaml': chartYaml('remote', { dependencies: [{ name: 'redis', version: '0.1.0', repository: url }] }),
        'remote/templates/own.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: own\n',
      });
    });

    afterAll(async () => {
      await new Promise((r) => server?.close(r));
      if (packages) await rm(packages, { recursive: true, force: true });
    });

    it('are not fetched unless allowed; a vendored one works either way', async () => {
      const refused = await refusal(renderer.render(tree.root, 'remote', target));
      expect(refused.message).toMatch(
        /^remote: helm template failed: .*missing in charts\/ directory: redis.*\(remote chart repositories are not allowed: vendor the dependency into charts\/, or allow remote sources\)$/s,
      );
      expect(served).toEqual([]);

      const allowing = new HelmRenderer({ helm, allowRemote: true });
      const fetched = await allowing.render(tree.root, 'remote', target);
      expect(fetched.map((o) => o.object.metadata.name).sort()).toEqual(['outside', 'own']);
      expect(served).toContain('/index.yaml');
      expect(served).toContain('/redis-0.1.0.tgz');
      // fetched into a copy: the exported tree is shared and stays as it was
      expect(await readdir(join(tree.root, 'remote'))).toEqual(['Chart.yaml', 'templates']);

      served.length = 0;
      await tree.write({ 'remote/charts/redis-0.1.0.tgz': await readFile(join(packages, 'redis-0.1.0.tgz')) });
      expect((await renderer.render(tree.root, 'remote', target)).map((o) => o.object.metadata.name).sort()).toEqual(['outside', 'own']);
      expect(served).toEqual([]);
    });
  });
});

/** A chart outside the repository (or to package): one ConfigMap named `outside`. */
async function makeChartOutside(dir: string, name = 'outside-chart'): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(join(dir, 'templates'), { recursive: true });
  await writeFile(join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
  await writeFile(join(dir, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside\n');
}
