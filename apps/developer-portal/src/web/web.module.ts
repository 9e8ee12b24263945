import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CsrfGuard } from './csrf.guard';

/** What every page shares: the CSRF check on every state-changing request. */
@Module({ providers: [{ provide: APP_GUARD, useClass: CsrfGuard }] })
export class WebModule {}
