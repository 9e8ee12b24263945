import { Body, Controller, Logger, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblem, ForCaller, Principal, Scope, type AccessPrincipal } from '@app/common';
import { ACTIVITY_ROUTE } from '../common/body-parsing';
import { EXPORT_EXAMPLES } from '../search/search.examples';
import { EXPORT_BODY } from '../search/search.schema';
import { sendExport } from './export.presenter';
import { ExportService } from './export.service';

@ApiTags('banking-activities')
@Controller(ACTIVITY_ROUTE)
export class ExportController {
  private readonly logger = new Logger(ExportController.name);

  constructor(private readonly exports: ExportService) {}

  @Post('export')
  @ForCaller('app-or-customer', Scope.BankingActivitiesRead, Scope.AccountRead)
  @ApiOperation({
    summary: 'Stream every match of the search filters (hourly and daily extracts)',
    description:
      'No page size and no look-back limit: any retained range, in order, streamed in constant memory. ' +
      'Accept: application/x-ndjson (default; one event per line, as in search) or text/csv (one column per field, the attributes as JSON; with requestedAttributes, one column each). Accept-Encoding: gzip compresses.',
  })
  @ApiHeader({ name: 'Accept', required: false, enum: ['application/x-ndjson', 'text/csv'] })
  @ApiHeader({ name: 'Accept-Encoding', required: false, example: 'gzip' })
  @ApiBody({ schema: EXPORT_BODY, examples: EXPORT_EXAMPLES })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({
    description: 'The events, streamed',
    content: {
      'application/x-ndjson': {
        schema: { type: 'string', description: 'One JSON event per line' },
      },
      'text/csv': {
        schema: { type: 'string', description: 'A header line, then one event per line' },
      },
    },
  })
  @ApiProblem(
    400,
    ['BAS_10001', 'BAS_10005', 'BAS_10006', 'BAS_10008', 'BAS_10009', 'BAS_10010'],
    'The filters are not acceptable (as in search; no look-back limit).',
  )
  @ApiProblem(403, ['ACTIVITY_CUSTOMER_FORBIDDEN'], "A customer's token asked for other users.")
  @ApiProblem(406, ['NOT_ACCEPTABLE'], 'Accept names neither NDJSON nor CSV.')
  async export(
    @Principal() principal: AccessPrincipal,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    const consistency = req.headers.consistency;
    const doc = await this.exports.open(
      principal,
      body,
      req.headers.accept,
      typeof consistency === 'string' ? consistency : undefined,
    );
    await sendExport(doc, req, res, this.logger);
  }
}
