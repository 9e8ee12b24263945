import { execFileSync } from 'node:child_process';
import { searchRequest, shellQuote, toCurl, tokenCurl } from './curl';

/**
 * Runs a command line in bash with `curl` replaced by a function that prints its arguments,
 * so the test sees exactly the words a shell would hand to curl.
 */
function argv(command: string, env: Record<string, string> = {}): string[] {
  const out = execFileSync(
    'bash',
    [
      '-c',
      `curl() { printf '%s\\0' "$@"; }; jq() { cat >/dev/null; printf 'TOKEN-FROM-JQ'; }\n${command}`,
    ],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } },
  ).toString();
  return out.split('\0').slice(0, -1);
}

describe('curl rendering', () => {
  const body = {
    startTime: '2026-11-29T00:00:00Z',
    endTime: '2026-11-30T00:00:00Z',
    pageSize: 25,
    userId: 'o\'brien $HOME `id` \\ "x"',
    additionalFilters: {
      condition: 'or',
      filters: [{ attributeId: 'amount', criteria: 'greaterThan', value: 500 }],
    },
  };

  it('is the exact request: method, URL, headers, the body byte for byte once parsed; $TOKEN for the token', () => {
    const req = searchRequest('http://localhost:3003/', body);
    const command = toCurl(req);
    expect(command).toContain('"Authorization: Bearer $TOKEN"');
    const words = argv(command, { TOKEN: 'tok-123' });
    expect(words).toEqual([
      '-sS',
      '-X',
      'POST',
      'http://localhost:3003/data-apis/v1/banking-activities',
      '-H',
      'Authorization: Bearer tok-123',
      '-H',
      'Content-Type: application/json',
      '-H',
      'Accept: application/json',
      '--data-raw',
      JSON.stringify(body, null, 2),
    ]);
    expect(JSON.parse(words[words.length - 1]!)).toEqual(body);
  });

  it('never carries a real token', () => {
    const command = toCurl(searchRequest('http://gw.example', body));
    expect(command).not.toMatch(/eyJ/);
    expect(command.match(/\$TOKEN/g)).toHaveLength(1);
  });

  it('quotes only what needs it', () => {
    expect(shellQuote('http://localhost:3003/x')).toBe('http://localhost:3003/x');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(argv(`curl ${shellQuote("it's $x")}`)).toEqual(["it's $x"]);
  });

  it('shows how to get $TOKEN with the keys as shell variables, never the secret', () => {
    const command = tokenCurl('http://localhost:3001', ['banking-activities:read', 'account:read']);
    expect(command).toContain('"$SHARED_KEY:$SECRET_KEY"');
    const script = `${command}\nprintf '%s\\0' "$TOKEN"`;
    expect(argv(script, { SHARED_KEY: 'id', SECRET_KEY: 's' })).toEqual(['TOKEN-FROM-JQ']);
    // The words curl gets (jq consumes its output in the real thing).
    expect(
      argv(command.replace(/^TOKEN=\$\(/, '').replace(/ \| jq -r \.access_token\)$/, ''), {
        SHARED_KEY: 'id',
        SECRET_KEY: 's',
      }),
    ).toEqual([
      '-sS',
      '-u',
      'id:s',
      '-d',
      'grant_type=client_credentials',
      '-d',
      'scope=banking-activities:read account:read',
      'http://localhost:3001/oauth2/v1/token',
    ]);
  });
});
