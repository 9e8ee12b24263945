import { DomainError, ProblemException } from '@app/common';
import { mapBodyError } from './body-parsing';

describe('mapBodyError', () => {
  it('answers unreadable JSON with BAS_10006', () => {
    const mapped = mapBodyError({ type: 'entity.parse.failed', status: 400 });
    expect(mapped).toBeInstanceOf(DomainError);
    expect(mapped).toMatchObject({ code: 'BAS_10006', status: 400 });
  });

  it('keeps 413 for an oversized body, with the BAS code alongside', () => {
    const mapped = mapBodyError({ type: 'entity.too.large', status: 413 }) as ProblemException;
    expect(mapped).toBeInstanceOf(ProblemException);
    expect(mapped.getStatus()).toBe(413);
    expect(mapped.problem.extensions).toEqual({
      errorCode: 'BAS_10006',
      errorMessage: expect.any(String),
    });
  });

  it('passes anything else on', () => {
    const other = new Error('boom');
    expect(mapBodyError(other)).toBe(other);
    expect(mapBodyError(null)).toBeNull();
  });
});
