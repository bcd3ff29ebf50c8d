import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** Handler names that are not the verb a client should see. */
const VERBS: Record<string, string> = { remove: 'delete' };

/**
 * `ClustersController.list` → `listClusters`, `.create` → `createCluster`, `.remove` →
 * `deleteCluster`: the names a generated client exposes. Routes whose controller is not named
 * after a resource (audit, operations) set `@ApiOperation({ operationId })` instead.
 */
export function operationId(controllerKey: string, methodKey: string): string {
  const plural = controllerKey.replace(/Controller$/, '');
  const singular = plural.replace(/ies$/, 'y').replace(/s$/, '');
  return `${VERBS[methodKey] ?? methodKey}${methodKey === 'list' ? plural : singular}`;
}

/**
 * The OpenAPI document of the running application, the one served at /api/docs and committed as
 * openapi.json. Keys are sorted at every level so the committed file diffs readably and does not
 * change when modules or decorators are merely reordered.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Flotilla')
    .setDescription('GitOps fleet manager: clusters, repositories, applications, channels, audit')
    .setVersion('v1')
    .addBearerAuth({ type: 'http', bearerFormat: 'flt_<id>_<secret>', description: 'an API token (POST /api/v1/tokens) or FLOTILLA_ADMIN_TOKEN' })
    .build();
  return sortKeys(SwaggerModule.createDocument(app, config, { operationIdFactory: operationId })) as OpenAPIObject;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const tree = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(tree)
      .sort()
      .map((k) => [k, sortKeys(tree[k])]),
  );
}
