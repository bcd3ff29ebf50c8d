import { ApiProperty } from '@nestjs/swagger';

export class HealthView {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

export class ReadinessChecksView {
  @ApiProperty({ description: 'the database answers' })
  database!: boolean;

  @ApiProperty({ description: 'the scheduler is ticking' })
  scheduler!: boolean;
}

export class RendererView {
  @ApiProperty({ enum: ['kubectl', 'kustomize', 'helm'], description: 'the binary the renderer runs' })
  tool!: 'kubectl' | 'kustomize' | 'helm';

  @ApiProperty({ description: 'as configured (render.kubectl, render.kustomize, render.helm): a name looked up or a path' })
  command!: string;

  @ApiProperty({ description: 'the binary was found (at start); false: what it renders fails with `problem` as the message' })
  found!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'absolute path of the binary' })
  path!: string | null;

  @ApiProperty({ enum: ['configured', 'path', 'toolsDir'], nullable: true, description: 'configured path, the PATH, or render.toolsDir (npm run render-tools)' })
  source!: 'configured' | 'path' | 'toolsDir' | null;

  @ApiProperty({ type: String, nullable: true, example: 'v4.3.1', description: 'what the binary says its version is' })
  version!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'missing: how to install or configure it; found: why its version could not be read' })
  problem!: string | null;
}

export class ReadinessRenderersView {
  @ApiProperty({ type: RendererView, description: 'Kustomize overlays: kubectl kustomize, or kustomize build when render.kustomize is set' })
  kustomize!: RendererView;

  @ApiProperty({ type: RendererView, description: 'Helm charts: helm template' })
  helm!: RendererView;
}

export class ReadinessView {
  @ApiProperty({ enum: ['ok', 'unavailable'] })
  status!: 'ok' | 'unavailable';

  @ApiProperty({ type: ReadinessChecksView })
  checks!: ReadinessChecksView;

  @ApiProperty({ type: ReadinessRenderersView, description: 'the renderers found at start; reported only: a missing one does not make the service unready' })
  renderers!: ReadinessRenderersView;
}
