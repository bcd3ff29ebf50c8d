import { Inject, Injectable } from '@nestjs/common';
import { SecretBox } from '../security/secret-box';
import type { Channel } from './channel.entity';

// associated data: a value sealed for a channel's secrets cannot be replayed into another field
const PURPOSE = 'channel.secrets';

/** Everything of a channel that must not be seen: the Slack token, the webhook secret and headers. */
export interface ChannelSecretValues {
  token?: string;
  secret?: string;
  headers?: Record<string, string>;
}

@Injectable()
export class ChannelSecrets {
  constructor(@Inject(SecretBox) private readonly box: SecretBox) {}

  seal(values: ChannelSecretValues): string {
    return this.box.encrypt(JSON.stringify(values), PURPOSE);
  }

  open(channel: Pick<Channel, 'secrets'>): ChannelSecretValues {
    return JSON.parse(this.box.decrypt(channel.secrets, PURPOSE)) as ChannelSecretValues;
  }
}
