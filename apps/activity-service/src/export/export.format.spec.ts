import { ProblemException } from '@app/common';
import { csvCell, csvLine, negotiateFormat, wantsGzip } from './export.format';

describe('export formats', () => {
  it.each([
    [undefined, 'ndjson'],
    ['*/*', 'ndjson'],
    ['application/x-ndjson', 'ndjson'],
    ['text/csv', 'csv'],
    ['text/csv;q=0.5, application/x-ndjson', 'ndjson'],
    ['application/x-ndjson;q=0.1, text/csv;q=0.9', 'csv'],
    ['application/json, text/csv', 'csv'],
    ['text/*', 'csv'],
  ])('negotiates Accept %p as %s', (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });

  it('answers 406 when it cannot', () => {
    expect(() => negotiateFormat('application/xml')).toThrow(ProblemException);
    expect(() => negotiateFormat('text/csv;q=0')).toThrow(ProblemException);
  });

  it.each([
    [undefined, false],
    ['gzip', true],
    ['br, gzip;q=0.5', true],
    ['gzip;q=0', false],
    ['identity', false],
  ])('reads Accept-Encoding %p', (header, gzip) => {
    expect(wantsGzip(header)).toBe(gzip);
  });

  it('writes RFC 4180 cells and neutralises formulas, but not numbers', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded')).toBe('" padded"');
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell('+1 555')).toBe("'+1 555");
    expect(csvCell('-12.5')).toBe('-12.5');
    expect(csvCell('+3e5')).toBe('+3e5');
    expect(csvLine(['a', null, '=1+1,2'])).toBe(`a,,"'=1+1,2"`);
  });
});
