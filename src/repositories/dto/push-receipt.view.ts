import { ApiProperty } from '@nestjs/swagger';

/** The answer to a verified push webhook: the refresh runs after it is sent. */
export class PushReceiptView {
  @ApiProperty({ type: Boolean, enum: [true] })
  accepted!: true;

  @ApiProperty({ type: [String], description: 'the repositories that will be refreshed; empty when the event is not a push' })
  repositories!: string[];

  @ApiProperty({ example: 'push to refs/heads/main' })
  message!: string;
}
