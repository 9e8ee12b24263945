import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiProblem, ForCaller, Principal, Scope, type AccessPrincipal } from '@app/common';
import { ACTIVITY_ROUTE } from '../common/body-parsing';
import { sendJsonText } from '../common/json-text';
import { SearchResponseDto } from './search.dto';
import { SEARCH_EXAMPLES } from './search.examples';
import { SEARCH_BODY } from './search.schema';
import { SearchService } from './search.service';

@ApiTags('banking-activities')
@Controller(ACTIVITY_ROUTE)
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Post()
  @HttpCode(200)
  @ForCaller('app-or-customer', Scope.BankingActivitiesRead, Scope.AccountRead)
  @ApiOperation({
    summary: "Search the institution's banking activity",
    description:
      'The six shapes of the Banking Activity API: one user (userId/userIds) or the whole FI, over all, several or one event type (eventIds), combinable with userType, companyIds and additionalFilters. ' +
      'Pages are keyset-based: pass nextPageToken, with the same filters, until it is null. Times: startTime inclusive, endTime exclusive.',
  })
  @ApiBody({ schema: SEARCH_BODY, examples: SEARCH_EXAMPLES })
  @ApiOkResponse({ type: SearchResponseDto })
  @ApiNoContentResponse({ description: 'Nothing matches' })
  @ApiProblem(
    400,
    ['BAS_10001', 'BAS_10002', 'BAS_10005', 'BAS_10006', 'BAS_10008', 'BAS_10009', 'BAS_10010'],
    'Also as errorCode/errorMessage: BAS_10001 start not before end, BAS_10002 beyond the look-back window, BAS_10005 invalid arguments (or page token), BAS_10006 unreadable body, BAS_10008 repeated filter condition, BAS_10009 userType, BAS_10010 userIdType.',
  )
  @ApiProblem(403, ['ACTIVITY_CUSTOMER_FORBIDDEN'], "A customer's token asked for other users.")
  @ApiProblem(413, ['PAYLOAD_TOO_LARGE'], 'The body is over the limit.')
  async find(
    @Principal() principal: AccessPrincipal,
    // Read by parseSearchRequest (BAS_* codes), against SEARCH_BODY: not the global ValidationPipe.
    @Body() body: unknown,
    @Res() res: FastifyReply,
    // `strong`: answered by the primary even when a read replica is set (docs/SCALE-OUT.md).
    @Headers('consistency') consistency: string | undefined,
  ): Promise<void> {
    const page = await this.search.search(principal, body, consistency);
    if (page === null) {
      void res.status(204).send();
      return;
    }
    sendJsonText(res, page);
  }
}
