import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { resolveSecretKey, SecretBox } from './secret-box';

@Global()
@Module({
  providers: [{ provide: SecretBox, inject: [AppConfig], useFactory: (config: AppConfig) => new SecretBox(resolveSecretKey(config)) }],
  exports: [SecretBox],
})
export class SecurityModule {}
