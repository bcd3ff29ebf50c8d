import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { probeRenderTools, type RenderToolSource, type RenderToolStatus } from '../engine';

/** Each version command at start gets this long at most (/readyz waits for them: a wedged binary must not hold it). */
const VERSION_TIMEOUT_MS = 10_000;

const FROM: Record<RenderToolSource, (tool: string) => string> = {
  configured: (tool) => `render.${tool}`,
  path: () => 'from the PATH',
  toolsDir: () => 'from render.toolsDir',
};

/**
 * The renderers' binaries as found once at start (engine/render-tools.ts): logged — name,
 * version, path, or for a missing one a warning saying how to get it — and reported by /readyz.
 * A missing renderer never makes the service unready: plain manifests render without one, and
 * the targets that need it say why they cannot render.
 */
@Injectable()
export class RenderToolsStatus implements OnApplicationBootstrap {
  private readonly log = new Logger('Renderers');
  private probed?: Promise<RenderToolStatus[]>;

  constructor(private readonly config: AppConfig) {}

  /**
   * Probed while the service starts listening, not before: the version commands take a few
   * hundred milliseconds, and nothing waits for them but the log and /readyz (which awaits them).
   */
  onApplicationBootstrap(): void {
    void this.status().then((found) => {
      for (const s of found) {
        const fields = { renderer: s.renderer, tool: s.tool, version: s.version, path: s.path, source: s.source };
        if (!s.found || s.problem) this.log.warn(fields, s.problem ?? `${s.tool} not usable`);
        else this.log.log(fields, `renderer ${s.renderer}: ${s.tool} ${s.version} at ${s.path} (${FROM[s.source!](s.tool)})`);
      }
    });
  }

  /** What was found at start, in the order kustomize, helm; probed on first ask. */
  status(): Promise<RenderToolStatus[]> {
    const r = this.config.render;
    this.probed ??= probeRenderTools({
      kubectl: r.kubectl,
      kustomize: r.kustomize,
      helm: r.helm,
      toolsDir: r.toolsDir,
      timeoutMs: Math.min(VERSION_TIMEOUT_MS, r.timeoutSeconds * 1000),
    });
    return this.probed;
  }
}
