import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Callers, RequireAnyScope, Scope } from '@app/common';

import { ACTIVITY_ROUTE } from '../common/body-parsing';
import { EventTypesView } from './catalogue.dto';
import { EVENT_TYPES, FIXED_FIELDS } from './event-catalogue';

const VIEW: EventTypesView = {
  commonAttributes: FIXED_FIELDS.map((f) => ({
    attributeId: f.attributeId,
    type: f.type,
    required: !f.nullable,
    description: f.description,
    ...(f.enum ? { enum: f.enum } : {}),
  })),
  eventTypes: EVENT_TYPES.map((t) => ({
    eventId: t.eventId,
    category: t.category,
    description: t.description,
    attributes: t.attributes.map((a) => ({ ...a })),
  })),
};

@ApiTags('banking-activities')
@Controller(ACTIVITY_ROUTE)
export class CatalogueController {
  @Get('event-types')
  @Header('Cache-Control', 'private, max-age=300')
  @RequireAnyScope(
    Scope.BankingActivitiesRead,
    Scope.BankingActivitiesWrite,
    Scope.InternalEventsWrite,
  )
  // The catalogue holds no one's data: a customer's app may read it too.
  @Callers('app-or-customer')
  @ApiOperation({
    summary: "The predefined event catalogue, with each type's attributes",
    description:
      'Every event type ingest accepts and search filters on, with its attributes and their types; the fields every event has.',
  })
  @ApiOkResponse({ type: EventTypesView })
  list(): EventTypesView {
    return VIEW;
  }
}
