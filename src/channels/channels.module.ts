import { Module } from '@nestjs/common';
import { ChannelSecrets } from './channel-secrets';
import { ChannelUsage } from './channel-usage';
import { ChannelsController } from './channels.controller';
import { ChannelsService } from './channels.service';
import { DeliveryWorker } from './delivery-worker';
import { HookOutbox } from './hook-outbox';
import { HookGates } from './hook-gates';

@Module({
  controllers: [ChannelsController],
  providers: [ChannelsService, ChannelSecrets, ChannelUsage, DeliveryWorker, HookOutbox, HookGates],
  exports: [ChannelsService, ChannelUsage, HookOutbox, HookGates, DeliveryWorker],
})
export class ChannelsModule {}
