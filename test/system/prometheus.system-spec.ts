import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '../../scripts/embedded-postgres';
import { startLocalPlatform, type LocalPlatform } from '../../scripts/local-platform';
import { SANDBOX } from '../../scripts/sandbox';
import { eventually } from '../support/customer-platform';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { postForm } from '../support/platform';

const PROMETHEUS = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));

interface ScrapeConfig {
  job_name: string;
  scrape_interval?: string;
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
}

interface QueryAnswer {
  status: string;
  data: {
    resultType: string;
    result: { metric: Record<string, string>; value: [number, string] }[];
  };
}

/**
 * Debian's Prometheus with the shipped scrape configuration (deploy/observability/prometheus.yml),
 * its targets moved from the compose network's names to this test's loopback ports, scraping the
 * local platform and answering PromQL.
 */
describe('Prometheus scrapes the platform with the shipped configuration', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;
  let prometheus: ChildProcess | undefined;
  let dir: string;
  let api: string;
  const output: string[] = [];

  beforeAll(async () => {
    if (!PROMETHEUS)
      throw new Error(
        'prometheus is not installed: .ci/run installs it (apt-get install prometheus)',
      );
    db = await createTestDatabase('prometheus_scrape');
    platform = await startLocalPlatform(db.url);
    const shipped = parse(
      readFileSync(join(__dirname, '../../deploy/observability/prometheus.yml'), 'utf8'),
    ) as { global: Record<string, string>; scrape_configs: ScrapeConfig[] };
    const local: Record<string, string> = {
      'auth-server:3001': new URL(platform.urls.auth).host,
      'customer-service:3002': new URL(platform.urls.customer).host,
      'activity-service:3003': new URL(platform.urls.activity).host,
      'developer-portal:3004': new URL(platform.urls.portal).host,
    };
    for (const job of shipped.scrape_configs) {
      job.scrape_interval = '1s';
      for (const group of job.static_configs) {
        group.targets = group.targets.map((t) => {
          if (!local[t]) throw new Error(`unexpected target ${t} in the shipped configuration`);
          return local[t];
        });
      }
    }
    dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    writeFileSync(join(dir, 'prometheus.yml'), stringify(shipped));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
    prometheus.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
  });
  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await platform?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const query = async (promql: string): Promise<QueryAnswer | undefined> => {
    try {
      const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
      return res.ok ? ((await res.json()) as QueryAnswer) : undefined;
    } catch {
      return undefined; // not listening yet
    }
  };

  it('finds every service up and answers a PromQL query over their request counts', async () => {
    const token = await postForm(
      `${platform.urls.auth}/oauth2/v1/token`,
      { grant_type: 'client_credentials' },
      { basic: { clientId: SANDBOX.clientId, clientSecret: SANDBOX.clientSecret } },
    );
    expect(token.status).toBe(200);

    const up = await eventually(
      async () => {
        if (prometheus?.exitCode !== null)
          throw new Error(`prometheus stopped:\n${output.join('')}`);
        const answer = await query('sum(up{job="digital-banking"})');
        return answer?.data.result[0]?.value[1] === '4' ? answer : undefined;
      },
      'all four targets up',
      60_000,
    );
    expect(up.status).toBe('success');

    const counted = await eventually(
      async () => {
        const answer = await query(
          'sum by (service) (http_requests_total{route="/oauth2/v1/token",status="200"})',
        );
        return answer?.data.result.length ? answer : undefined;
      },
      'the token request in Prometheus',
      60_000,
    );
    // Ours, and the other services' own client_credentials tokens (revocation feed, outbox).
    expect(counted.data.result.map((r) => r.metric)).toEqual([{ service: 'auth-server' }]);
    expect(Number(counted.data.result[0]!.value[1])).toBeGreaterThanOrEqual(1);
    const total = await query('sum(http_requests_total)');
    expect(Number(total?.data.result[0]?.value[1])).toBeGreaterThan(0);
  });
});
