import { Controller, Get, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PortalErrors } from '../web/portal-errors';
import { MailCatcher, type CaughtMail } from './mail-catcher';

/** `GET /dev/mail`: the mail the local catcher received (404 when mail really goes out). */
@ApiExcludeController()
@Controller('dev/mail')
export class DevMailController {
  constructor(private readonly catcher: MailCatcher) {}

  @Get()
  @Render('mail/views/dev-mail')
  list(): { title: string; messages: CaughtMail[] } {
    if (!this.catcher.enabled) throw PortalErrors.notFound();
    return { title: 'Local mail', messages: this.catcher.messages() };
  }
}
