import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem, Principal, RequireAnyScope, Scope, type AccessPrincipal } from '@app/common';

import { ACTIVITY_ROUTE } from '../common/body-parsing';
import { BATCH_EXAMPLES } from '../search/search.examples';
import { BATCH_BODY } from './batch.schema';
import { BatchResponseDto } from './ingest.dto';
import { IngestService, type BatchResult } from './ingest.service';

@ApiTags('banking-activities')
@Controller(ACTIVITY_ROUTE)
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  @Post('batch')
  @HttpCode(202)
  @RequireAnyScope(Scope.BankingActivitiesWrite, Scope.InternalEventsWrite)
  @ApiOperation({
    summary: 'Ingest up to 5,000 events',
    description:
      "All or nothing: every event must be of the catalogue with its type's attributes. Idempotent on guid. " +
      "An FI token (banking-activities:write) writes its own FI's events; a platform service token (internal:events:write) writes any FI's, each event naming institutionId.",
  })
  @ApiBody({ schema: BATCH_BODY, examples: BATCH_EXAMPLES })
  @ApiAcceptedResponse({ type: BatchResponseDto })
  @ApiProblem(
    400,
    ['BAS_10005', 'BAS_10006'],
    'BAS_10005 with a pointer per invalid field (nothing is stored); BAS_10006 unreadable body.',
  )
  @ApiProblem(
    403,
    ['ACTIVITY_INSTITUTION_FORBIDDEN'],
    "An event names another FI than the token's.",
  )
  @ApiProblem(413, ['PAYLOAD_TOO_LARGE'], 'Body above ACTIVITY_BATCH_BODY_LIMIT_BYTES.')
  store(@Principal() principal: AccessPrincipal, @Body() body: unknown): Promise<BatchResult> {
    return this.ingest.ingest(principal, body);
  }
}
