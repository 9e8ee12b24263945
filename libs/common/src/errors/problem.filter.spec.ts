import { BadRequestException, NotFoundException } from '@nestjs/common';
import { IsEmail, IsString, ValidateNested, validateSync } from 'class-validator';
import { plainToInstance, Type } from 'class-transformer';
import { DomainError } from './domain-error';
import { resolveProblem } from './problem.filter';
import { toFieldErrors } from './validation';

class Address {
  @IsString() city!: string;
}
class Person {
  @IsEmail() emailAddress!: string;
  @ValidateNested() @Type(() => Address) postalAddress!: Address;
}

describe('problem details', () => {
  it('maps a domain error by kind, with its code, field errors and extensions', () => {
    const p = resolveProblem(
      new DomainError('CUS_LOGIN_ID_TAKEN', 'conflict', 'taken', {
        errors: [{ pointer: '/loginId', detail: 'taken' }],
        extensions: { errorCode: 'X' },
      }),
    );
    expect(p.status).toBe(409);
    expect(p.document).toMatchObject({
      code: 'CUS_LOGIN_ID_TAKEN',
      title: 'Conflict',
      errors: [{ pointer: '/loginId' }],
      errorCode: 'X',
    });
    expect(p.document.type).toBe('urn:digital-banking:problem:cus-login-id-taken');
  });

  it('maps framework and body-parsing failures to 4xx, and hides anything else behind a bare 500', () => {
    expect(resolveProblem(new NotFoundException('no route')).status).toBe(404);
    const parse = Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 });
    expect(
      resolveProblem(new BadRequestException('Unexpected token', { cause: parse })).document.code,
    ).toBe('MALFORMED_BODY');
    const tooLarge = Object.assign(new Error('too big'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(resolveProblem(tooLarge).status).toBe(413);
    expect(resolveProblem(tooLarge).document.code).toBe('PAYLOAD_TOO_LARGE');
    // Fastify's router refusing a long path parameter (was a 500), and any other 4xx of its own.
    const fastify = (code: string, statusCode: number) =>
      resolveProblem(Object.assign(new Error(`'/x/${'a'.repeat(200)}' ...`), { code, statusCode }));
    expect(fastify('FST_ERR_MAX_PARAM_LENGTH', 414).status).toBe(414);
    expect(fastify('FST_ERR_MAX_PARAM_LENGTH', 414).document.code).toBe('URI_TOO_LONG');
    expect(fastify('FST_ERR_SOMETHING_NEW', 431).status).toBe(431);
    expect(fastify('FST_ERR_SOMETHING_NEW', 431).document.detail).not.toContain('aaaa');
    expect(fastify('FST_ERR_SOMETHING_NEW', 500).status).toBe(500);
    const internal = resolveProblem(new Error('relation "auth.clients" does not exist'));
    expect(internal.status).toBe(500);
    expect(JSON.stringify(internal.document)).not.toContain('relation');
  });

  it('turns nested validation errors into JSON pointers', () => {
    const person = plainToInstance(Person, { emailAddress: 'nope', postalAddress: { city: 5 } });
    const pointers = toFieldErrors(validateSync(person)).map((e) => e.pointer);
    expect(pointers).toEqual(['/emailAddress', '/postalAddress/city']);
  });
});
