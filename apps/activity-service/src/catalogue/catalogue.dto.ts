import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AttributeView {
  @ApiProperty({ example: 'amount' }) attributeId!: string;
  @ApiProperty({ enum: ['string', 'integer', 'number', 'boolean', 'string[]', 'date-time'] })
  type!: string;
  @ApiProperty() required!: boolean;
  @ApiProperty() description!: string;
  @ApiPropertyOptional({ type: [String] }) enum?: readonly string[];
}

export class EventTypeView {
  @ApiProperty({ example: 'loginSuccess' }) eventId!: string;
  @ApiProperty({ example: 'authentication' }) category!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: [AttributeView] }) attributes!: AttributeView[];
}

export class EventTypesView {
  @ApiProperty({
    type: [AttributeView],
    description: 'Fields every event has; filterable and requestable like attributes',
  })
  commonAttributes!: AttributeView[];

  @ApiProperty({ type: [EventTypeView] }) eventTypes!: EventTypeView[];
}
