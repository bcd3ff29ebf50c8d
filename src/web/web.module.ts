import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { StaticSite } from './static-site';

/**
 * The web UI (SPEC §7) at `/`: the static build of ui/ (`npm run build:ui` → ui/dist, or the
 * directory web.uiDir names), with every other page path answered by index.html. Registered when
 * the module initialises — after the API's routes, before Nest's 404 handler — so /api stays the
 * API's. Without a build the API runs alone and says so once.
 */
@Module({})
export class WebModule implements OnModuleInit {
  private readonly log = new Logger('WebUI');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const configured = this.config.web.uiDir;
    const dir = configured ?? StaticSite.find(__dirname);
    const site = dir ? StaticSite.load(dir) : null;
    if (!site) {
      this.log.warn(
        configured
          ? `the web UI is not built in ${configured} (web.uiDir: no index.html there): run npm run build:ui -- --outDir ${configured}; the API works without it`
          : 'the web UI is not built (no ui/dist/index.html): run npm run build:ui; the API works without it',
      );
      return;
    }
    this.adapterHost.httpAdapter.use(site.handler());
    this.log.log(`web UI served at / from ${site.dir} (${site.size} files)`);
  }
}
