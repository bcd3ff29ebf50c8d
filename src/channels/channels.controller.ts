import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { MinRole } from '../auth/roles.decorator';
import { ApiErrors } from '../common/dto/error.view';
import { NamePipe } from '../common/name.pipe';
import { InvalidInputError } from '../shared/errors';
import { ChannelsService } from './channels.service';
import { CreateChannelDto, DeliveriesQuery, UpdateChannelDto } from './dto/channel.dto';
import { ChannelTestView, channelView, ChannelView, DeliveryPageView, deliveryView, DeliveryView } from './dto/channel.view';

const DELIVERY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

@ApiTags('channels')
@ApiBearerAuth()
@Controller('api/v1/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Post()
  @MinRole('admin')
  @ApiOperation({ summary: 'Create a channel: Slack or a webhook' })
  @ApiCreatedResponse({ type: ChannelView })
  @ApiErrors(400, 401, 403, 409, 413, 415, 429)
  async create(@Body() dto: CreateChannelDto): Promise<ChannelView> {
    return channelView(await this.channels.create(dto));
  }

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'List channels' })
  @ApiOkResponse({ type: [ChannelView], description: 'sorted by name; no secrets' })
  @ApiErrors(401, 429)
  async list(): Promise<ChannelView[]> {
    return (await this.channels.list()).map(channelView);
  }

  @Get(':name')
  @MinRole('viewer')
  @ApiOperation({ summary: 'Get a channel' })
  @ApiOkResponse({ type: ChannelView })
  @ApiErrors(400, 401, 404, 429)
  async get(@Param('name', NamePipe) name: string): Promise<ChannelView> {
    return channelView(await this.channels.get(name));
  }

  @Patch(':name')
  @MinRole('admin')
  @ApiOperation({ summary: 'Change a channel (rotate its token or secret)' })
  @ApiOkResponse({ type: ChannelView })
  @ApiErrors(400, 401, 403, 404, 413, 415, 429)
  async update(@Param('name', NamePipe) name: string, @Body() dto: UpdateChannelDto): Promise<ChannelView> {
    return channelView(await this.channels.update(name, dto));
  }

  @Delete(':name')
  @MinRole('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a channel and its delivery log' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  remove(@Param('name', NamePipe) name: string): Promise<void> {
    return this.channels.remove(name);
  }

  @Post(':name/test')
  @MinRole('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a test message now' })
  @ApiOkResponse({ type: ChannelTestView, description: 'what the receiver answered; the attempt is in the delivery log' })
  @ApiErrors(400, 401, 403, 404, 429)
  test(@Param('name', NamePipe) name: string, @CurrentPrincipal() who: Principal): Promise<ChannelTestView> {
    return this.channels.test(name, who.name);
  }

  @Get(':name/deliveries')
  @MinRole('viewer')
  @ApiOperation({ summary: 'Delivery attempts and outcomes, newest first' })
  @ApiOkResponse({ type: DeliveryPageView })
  @ApiErrors(400, 401, 404, 429)
  async deliveries(@Param('name', NamePipe) name: string, @Query() q: DeliveriesQuery): Promise<DeliveryPageView> {
    const page = await this.channels.deliveries(name, { limit: q.limit ?? 50, cursor: q.cursor });
    return { items: page.items.map(deliveryView), nextCursor: page.nextCursor };
  }

  @Post(':name/deliveries/:id/redeliver')
  @MinRole('admin')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a delivery again, under the same id' })
  @ApiAcceptedResponse({ type: DeliveryView, description: 'pending again; the worker sends it at once' })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  async redeliver(@Param('name', NamePipe) name: string, @Param('id') id: string): Promise<DeliveryView> {
    if (!DELIVERY_ID.test(id)) throw new InvalidInputError(`delivery id "${String(id).slice(0, 80)}" is not a delivery id`);
    return deliveryView(await this.channels.redeliver(name, id));
  }
}
