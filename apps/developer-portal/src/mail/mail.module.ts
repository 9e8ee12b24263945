import { Global, Module } from '@nestjs/common';
import { DevMailController } from './dev-mail.controller';
import { MailCatcher } from './mail-catcher';
import { Mailer } from './mailer';

@Global()
@Module({
  controllers: [DevMailController],
  providers: [MailCatcher, Mailer],
  exports: [Mailer, MailCatcher],
})
export class MailModule {}
