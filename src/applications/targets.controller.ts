import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.decorator';
import { ApiErrors } from '../common/dto/error.view';
import { NamePipe } from '../common/name.pipe';
import type { KubeObject } from '../engine';
import { InvalidInputError } from '../shared/errors';
import { ObjectQuery, TreeView } from './dto/tree.view';
import { TargetTrees } from './target-trees';

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** What one target runs, read from its cluster on demand (SPEC §1: …/targets/:cluster/:namespace/tree). */
@ApiTags('applications')
@ApiBearerAuth()
@Controller('api/v1/applications/:name/targets/:cluster/:namespace')
export class TargetsController {
  constructor(private readonly trees: TargetTrees) {}

  @Get('tree')
  @MinRole('viewer')
  @ApiOperation({ operationId: 'getTargetTree', summary: 'The objects a target applied and their children by ownerReferences, with health' })
  @ApiOkResponse({ type: TreeView, description: 'read from the cluster (cached for a few seconds)' })
  @ApiErrors(400, 401, 404, 429, 502)
  tree(@Param('name', NamePipe) name: string, @Param('cluster', NamePipe) cluster: string, @Param('namespace') namespace: string): Promise<TreeView> {
    return this.trees.tree(name, cluster, checkNamespace(namespace));
  }

  @Get('object')
  @MinRole('viewer')
  @ApiOperation({ operationId: 'getTargetObject', summary: 'One object of a target as the cluster has it now (Secret values masked)' })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true }, description: 'the live manifest, without managedFields' })
  @ApiErrors(400, 401, 404, 429, 502)
  object(@Param('name', NamePipe) name: string, @Param('cluster', NamePipe) cluster: string, @Param('namespace') namespace: string, @Query() q: ObjectQuery): Promise<KubeObject> {
    return this.trees.object(name, cluster, checkNamespace(namespace), {
      group: q.group ?? '',
      version: q.version ?? 'v1',
      kind: q.kind,
      name: q.name,
      ...(q.namespace ? { namespace: q.namespace } : {}),
    });
  }
}

function checkNamespace(ns: string): string {
  if (!NAMESPACE.test(ns)) throw new InvalidInputError(`namespace "${String(ns).slice(0, 80)}" is not a DNS-1123 label`);
  return ns;
}
