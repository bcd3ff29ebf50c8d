import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/dto/error.view';
import { NamePipe } from '../common/name.pipe';
import { ApiTokensService } from './api-tokens.service';
import { CreateTokenDto } from './dto/create-token.dto';
import { CreatedTokenView, TokenView } from './dto/token.view';
import { CurrentPrincipal, Principal } from './principal';
import { MinRole } from './roles.decorator';

@ApiTags('tokens')
@ApiBearerAuth()
@Controller('api/v1/tokens')
export class TokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  /** The token is in this response only; it is stored hashed. */
  @Post()
  @MinRole('admin')
  @ApiOperation({ summary: 'Create an API token' })
  @ApiCreatedResponse({ type: CreatedTokenView, description: 'the token, shown this once' })
  @ApiErrors(400, 401, 403, 409, 413, 415, 429)
  create(@Body() dto: CreateTokenDto, @CurrentPrincipal() who: Principal): Promise<CreatedTokenView> {
    return this.tokens.create(dto.name, dto.role, who.name);
  }

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'List API tokens' })
  @ApiOkResponse({ type: [TokenView], description: 'sorted by name; the tokens themselves are never shown again' })
  @ApiErrors(401, 429)
  list(): Promise<TokenView[]> {
    return this.tokens.list();
  }

  @Delete(':name')
  @MinRole('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API token' })
  @ApiNoContentResponse({ description: 'revoked: the token no longer authenticates' })
  @ApiErrors(400, 401, 403, 404, 429)
  revoke(@Param('name', NamePipe) name: string): Promise<void> {
    return this.tokens.revoke(name);
  }
}
