import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { NamePipe } from '../common/name.pipe';
import { ApiTokensService } from './api-tokens.service';
import { CreateTokenDto } from './dto/create-token.dto';
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
  create(@Body() dto: CreateTokenDto, @CurrentPrincipal() who: Principal) {
    return this.tokens.create(dto.name, dto.role, who.name);
  }

  @Get()
  @MinRole('viewer')
  list() {
    return this.tokens.list();
  }

  @Delete(':name')
  @MinRole('admin')
  @HttpCode(204)
  revoke(@Param('name', NamePipe) name: string) {
    return this.tokens.revoke(name);
  }
}
