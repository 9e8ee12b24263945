import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Logger,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblem, Principal, RequireScopes, Scope, type AccessPrincipal } from '@app/common';
import { ACTIVITY_ROUTE } from '../common/body-parsing';
import { sendJsonText } from '../common/json-text';
import { FeedResponseDto } from './feed.dto';
import { FEED_EXAMPLES } from '../search/search.examples';
import { FEED_BODY } from './feed.schema';
import { FeedService } from './feed.service';
import { FeedStream } from './feed.stream';
import { sendEventStream } from './sse.presenter';

@ApiTags('banking-activities')
@Controller(ACTIVITY_ROUTE)
export class FeedController {
  private readonly logger = new Logger(FeedController.name);

  constructor(
    private readonly feed: FeedService,
    private readonly stream: FeedStream,
  ) {}

  @Post('feed')
  @HttpCode(200)
  @RequireScopes(Scope.BankingActivitiesRead, Scope.AccountRead)
  @ApiOperation({
    summary: "Follow the institution's new events in commit order",
    description:
      'Returns events after the cursor in the order their batches committed, so a consumer that keeps passing back `cursor` sees every event exactly once, including events whose transaction committed after a later one. When hasMore is false, poll again later.',
  })
  @ApiBody({ schema: FEED_BODY, examples: FEED_EXAMPLES })
  @ApiOkResponse({ type: FeedResponseDto })
  @ApiProblem(
    400,
    ['BAS_10005', 'BAS_10006'],
    'An invalid cursor, limit or event type, or an unreadable body.',
  )
  async read(
    @Principal() principal: AccessPrincipal,
    @Body() body: unknown,
    @Res() res: FastifyReply,
  ): Promise<void> {
    sendJsonText(res, await this.feed.page(principal.institutionId, body ?? {}));
  }

  @Get('stream')
  @RequireScopes(Scope.BankingActivitiesRead, Scope.AccountRead)
  @ApiOperation({
    summary: 'The feed as Server-Sent Events',
    description:
      'Each `bankingActivity` event carries one event as JSON; its id is a cursor. Reconnect with Last-Event-ID to resume right after the last event received. Without it, `cursor` or `from` (default latest: only new events) says where to start.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'from', required: false, enum: ['earliest', 'latest'] })
  @ApiQuery({ name: 'eventIds', required: false, description: 'Comma-separated event types' })
  @ApiOkResponse({
    description: 'An endless text/event-stream of bankingActivity events',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiProblem(400, ['BAS_10005'], 'An invalid cursor, Last-Event-ID or event type.')
  @ApiProblem(429, ['ACTIVITY_TOO_MANY_STREAMS'], 'Too many open streams for this FI.')
  async follow(
    @Principal() principal: AccessPrincipal,
    @Query() query: Record<string, unknown>,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    const request = { ...query, ...(lastEventId ? { cursor: lastEventId } : {}) };
    const { position, eventIds } = await this.feed.parse(
      principal.institutionId,
      request,
      'latest',
    );
    await sendEventStream(
      (signal) => this.stream.follow(principal, position, eventIds, signal),
      req,
      res,
      this.logger,
    );
  }
}
