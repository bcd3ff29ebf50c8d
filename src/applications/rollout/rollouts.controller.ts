import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../../auth/principal';
import { MinRole } from '../../auth/roles.decorator';
import { ApiErrors } from '../../common/dto/error.view';
import { NamePipe } from '../../common/name.pipe';
import { Clock } from '../../shared/clock';
import { RolloutActions, type RolloutAction } from './rollout-actions';
import { rolloutView, RolloutView } from './rollout.view';

/** An application's progressive rollout (SPEC §1 Rollouts): its waves, and the brake. */
@ApiTags('applications')
@ApiBearerAuth()
@Controller('api/v1/applications/:name/rollout')
export class RolloutsController {
  constructor(
    private readonly actions: RolloutActions,
    private readonly clock: Clock,
  ) {}

  @Get()
  @MinRole('viewer')
  @ApiOperation({ operationId: 'getRollout', summary: "The application's current rollout: revision, state, and per wave its targets, times and soak" })
  @ApiOkResponse({ type: RolloutView })
  @ApiErrors(400, 401, 404, 429)
  async get(@Param('name', NamePipe) name: string): Promise<RolloutView> {
    return rolloutView(await this.actions.current(name), this.clock.now());
  }

  @Post('pause')
  @MinRole('operator')
  @HttpCode(200)
  @ApiOperation({ operationId: 'pauseRollout', summary: 'Pause the rollout: no new wave starts and no more targets are released' })
  @ApiOkResponse({ type: RolloutView, description: 'the rollout after the action' })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  pause(@Param('name', NamePipe) name: string, @CurrentPrincipal() who: Principal): Promise<RolloutView> {
    return this.act(name, 'pause', who);
  }

  @Post('resume')
  @MinRole('operator')
  @HttpCode(200)
  @ApiOperation({ operationId: 'resumeRollout', summary: 'Resume a paused rollout, or a halted one (its current wave runs again and is judged on the new runs)' })
  @ApiOkResponse({ type: RolloutView, description: 'the rollout after the action' })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  resume(@Param('name', NamePipe) name: string, @CurrentPrincipal() who: Principal): Promise<RolloutView> {
    return this.act(name, 'resume', who);
  }

  @Post('approve')
  @MinRole('operator')
  @HttpCode(200)
  @ApiOperation({ operationId: 'approveRollout', summary: 'Approve the wave waiting for approval: it starts' })
  @ApiOkResponse({ type: RolloutView, description: 'the rollout after the action' })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  approve(@Param('name', NamePipe) name: string, @CurrentPrincipal() who: Principal): Promise<RolloutView> {
    return this.act(name, 'approve', who);
  }

  @Post('promote')
  @MinRole('operator')
  @HttpCode(200)
  @ApiOperation({ operationId: 'promoteRollout', summary: "End the current wave's soak now" })
  @ApiOkResponse({ type: RolloutView, description: 'the rollout after the action' })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  promote(@Param('name', NamePipe) name: string, @CurrentPrincipal() who: Principal): Promise<RolloutView> {
    return this.act(name, 'promote', who);
  }

  @Post('abort')
  @MinRole('operator')
  @HttpCode(200)
  @ApiOperation({ operationId: 'abortRollout', summary: 'Abort: every target the rollout moved goes back to the revision it held, latest wave first' })
  @ApiOkResponse({ type: RolloutView, description: 'the rollout after the action' })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  abort(@Param('name', NamePipe) name: string, @CurrentPrincipal() who: Principal): Promise<RolloutView> {
    return this.act(name, 'abort', who);
  }

  private async act(name: string, action: RolloutAction, who: Principal): Promise<RolloutView> {
    return rolloutView(await this.actions.act(name, action, who.name), this.clock.now());
  }
}
