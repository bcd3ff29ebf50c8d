import { Module } from '@nestjs/common';
import { HealthSamples } from './health-samples';
import { SummariesController } from './summaries.controller';
import { SummariesService } from './summaries.service';

/** Summaries for the web UI's charts: runs, health and deliveries over time, counted in SQL. */
@Module({
  controllers: [SummariesController],
  providers: [SummariesService, HealthSamples],
})
export class SummariesModule {}
