import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/app-config';
import { projectRoot } from '../shared/project-root';
import { KustomizeRenderer } from './render-kustomize';
import { HelmRenderer } from './render-helm';
import { locateTool, missingToolMessage, probeRenderTools } from './render-tools';

// The lookup itself is what is tested: the "binaries" are executable files in directories the
// test makes (one that prints a version, for the probe), found or not by the real file system.
describe('where the renderers are', () => {
  let dir: string;
  let onPath: string;
  let tools: string;
  let elsewhere: string;

  const executable = async (at: string, name: string, script = 'exit 0') => {
    await mkdir(at, { recursive: true });
    await writeFile(join(at, name), `#!/bin/sh\n${script}\n`);
    await chmod(join(at, name), 0o755);
    return join(at, name);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-render-tools-'));
    onPath = join(dir, 'path');
    tools = join(dir, 'tools');
    elsewhere = join(dir, 'elsewhere');
    await executable(onPath, 'helm');
    await executable(tools, 'helm');
    await executable(tools, 'kubectl', `echo '{"clientVersion":{"gitVersion":"v1.34.4","platform":"linux/amd64"},"kustomizeVersion":"v5.7.1"}'`);
    await executable(elsewhere, 'helm', 'echo v4.3.1');
    // a file that is there but may not be run is not a binary
    await writeFile(join(tools, 'kustomize'), '#!/bin/sh\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('uses a configured path as it is, and never looks elsewhere for it', async () => {
    const helm = join(elsewhere, 'helm');
    expect(await locateTool(helm, { path: onPath, toolsDir: tools })).toEqual({ path: helm, source: 'configured' });
    // relative with a '/': from the working directory
    expect(await locateTool(relative(process.cwd(), helm), { path: onPath, toolsDir: tools })).toEqual({ path: helm, source: 'configured' });
    expect(await locateTool(join(elsewhere, 'kubectl'), { path: onPath, toolsDir: tools })).toBeUndefined();
  });

  it('looks a bare name up on the PATH first, then in the tools directory', async () => {
    expect(await locateTool('helm', { path: `/nonexistent:${onPath}`, toolsDir: tools })).toEqual({ path: join(onPath, 'helm'), source: 'path' });
    expect(await locateTool('kubectl', { path: onPath, toolsDir: tools })).toEqual({ path: join(tools, 'kubectl'), source: 'toolsDir' });
    expect(await locateTool('kubectl', { path: onPath })).toBeUndefined();
    expect(await locateTool('kustomize', { path: onPath, toolsDir: tools })).toBeUndefined(); // not executable
  });

  it('says exactly how to get a missing one: short for a render, long for the start log', async () => {
    expect(missingToolMessage('helm', 'helm', { toolsDir: tools })).toBe(
      `the helm binary "helm" was not found on the PATH or in ${tools}: run "npm run render-tools" (needs Go), install helm v4 on the PATH (https://helm.sh/docs/intro/install/), or set render.helm / FLOTILLA_RENDER__HELM to its path`,
    );
    expect(missingToolMessage('helm', 'helm', { toolsDir: tools }, 'long')).toBe(
      `helm not found: Helm charts will not render. Run "npm run render-tools" (needs Go), install helm v4 on the PATH (https://helm.sh/docs/intro/install/), or set render.helm / FLOTILLA_RENDER__HELM to its path (looked for "helm" on the PATH or in ${tools})`,
    );
    expect(missingToolMessage('kubectl', '/opt/k/kubectl', {}, 'long')).toBe(
      'kubectl not found at /opt/k/kubectl (render.kubectl): Kustomize overlays will not render. Fix render.kubectl / FLOTILLA_RENDER__KUBECTL, or remove the setting to use kubectl from the PATH or from "npm run render-tools"',
    );
    expect(missingToolMessage('kustomize', 'kustomize')).toMatch(
      /^the kustomize binary "kustomize" was not found on the PATH: install kustomize .*set render\.kustomize to null to use kubectl kustomize$/,
    );
  });

  it('fails a render that needs a missing one with that message', async () => {
    const target = { application: 'a', cluster: 'c', namespace: 'n' };
    const none = join(dir, 'none');
    await mkdir(join(dir, 'repo', 'chart'), { recursive: true });
    await mkdir(join(dir, 'repo', 'overlay'), { recursive: true });
    await writeFile(join(dir, 'repo', 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
    await writeFile(join(dir, 'repo', 'overlay', 'kustomization.yaml'), 'resources: []\n');
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (err: unknown) => (err as Error).message,
      );
    const helm = new HelmRenderer({ helm: 'flotilla-no-such-helm', toolsDir: none });
    expect(await refusal(helm.render(join(dir, 'repo'), 'chart', target))).toBe(missingToolMessage('helm', 'flotilla-no-such-helm', { toolsDir: none }));
    const kustomize = new KustomizeRenderer({ kubectl: 'flotilla-no-such-kubectl', toolsDir: none });
    expect(await refusal(kustomize.render(join(dir, 'repo'), 'overlay', target))).toBe(missingToolMessage('kubectl', 'flotilla-no-such-kubectl', { toolsDir: none }));
  });

  it('probes what the configuration names: path, where from, version, or the problem', async () => {
    const [kustomize, helm] = await probeRenderTools({ kubectl: 'kubectl', helm: join(elsewhere, 'helm'), path: onPath, toolsDir: tools, timeoutMs: 10_000 });
    expect(kustomize).toEqual({
      renderer: 'kustomize',
      tool: 'kubectl',
      command: 'kubectl',
      found: true,
      path: join(tools, 'kubectl'),
      source: 'toolsDir',
      version: 'v1.34.4',
      problem: null,
    });
    expect(helm).toMatchObject({ renderer: 'helm', tool: 'helm', found: true, source: 'configured', version: 'v4.3.1', problem: null });
    const [standalone, none] = await probeRenderTools({ kubectl: 'kubectl', kustomize: 'kustomize', helm: 'no-such-helm', path: onPath, toolsDir: tools, timeoutMs: 10_000 });
    expect(standalone).toMatchObject({ tool: 'kustomize', found: false, path: null, version: null });
    expect(none).toMatchObject({ tool: 'helm', found: false, problem: missingToolMessage('helm', 'no-such-helm', { toolsDir: tools }, 'long') });
    // found, but it does not answer `version` as helm does
    const [, broken] = await probeRenderTools({ kubectl: 'kubectl', helm: 'helm', path: onPath, toolsDir: tools, timeoutMs: 10_000 });
    expect(broken).toMatchObject({ found: true, path: join(onPath, 'helm'), version: null, problem: expect.stringMatching(/did not say its version/) });
  });
});

describe('the render configuration', () => {
  it("looks in the project's .tools/bin by default, from any working directory", () => {
    const cfg = loadConfig({ env: { FLOTILLA_DATA_DIR: '/tmp/x' }, cwd: '/srv/elsewhere' });
    expect(cfg.render.toolsDir).toBe(join(projectRoot(), '.tools', 'bin'));
    expect(cfg.render).toMatchObject({ kubectl: 'kubectl', kustomize: null, helm: 'helm' });
  });

  it('resolves a configured tools directory and renderer paths from the working directory, and keeps bare names', () => {
    const cfg = loadConfig({
      env: { FLOTILLA_DATA_DIR: '/tmp/x', FLOTILLA_RENDER__TOOLS_DIR: 'bin', FLOTILLA_RENDER__HELM: './opt/helm', FLOTILLA_RENDER__KUBECTL: 'kubectl-1.34' },
      cwd: '/srv/flotilla',
    });
    expect(cfg.render).toMatchObject({ toolsDir: '/srv/flotilla/bin', helm: '/srv/flotilla/opt/helm', kubectl: 'kubectl-1.34' });
  });

  it('refuses an empty renderer or one that names a directory, naming the key', () => {
    for (const [name, value, expected] of [
      ['FLOTILLA_RENDER__HELM', '', 'a non-empty string'],
      ['FLOTILLA_RENDER__KUBECTL', '/usr/bin/', 'a command name or the path of the binary'],
      ['FLOTILLA_RENDER__HELM', ' helm', 'a command name or the path of the binary'],
    ]) {
      let problems: string[] = [];
      try {
        loadConfig({ env: { FLOTILLA_DATA_DIR: '/tmp/x', [name]: value } });
      } catch (e) {
        problems = e instanceof ConfigError ? e.problems : [];
      }
      expect(problems.join('\n')).toMatch(new RegExp(`^render\\.(helm|kubectl): expected ${expected}`));
    }
  });
});
