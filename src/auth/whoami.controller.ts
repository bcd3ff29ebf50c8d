import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/dto/error.view';
import { Role, ROLES } from './api-token.entity';
import { CurrentPrincipal, Principal } from './principal';
import { MinRole } from './roles.decorator';

/** The caller as its token authenticates it: what a client needs to offer only what it may do. */
export class WhoAmIView {
  @ApiProperty({ example: 'ci-deployer', description: "the token's name" })
  name!: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role!: Role;
}

@ApiTags('tokens')
@ApiBearerAuth()
@Controller('api/v1/whoami')
export class WhoAmIController {
  @Get()
  @MinRole('viewer')
  @ApiOperation({ operationId: 'whoAmI', summary: 'The name and role of the token that calls' })
  @ApiOkResponse({ type: WhoAmIView })
  @ApiErrors(401, 429)
  whoami(@CurrentPrincipal() who: Principal): WhoAmIView {
    return { name: who.name, role: who.role };
  }
}
