import { Injectable } from '@nestjs/common';
import type { AccessPrincipal } from '@app/common';
import { ActivityErrors } from '../common/activity.errors';
import { TokenSigner } from '../common/token-signer';
import { ActivityEnv } from '../config/activity.env';
import { ActivityRepository, readConsistency } from './activity.repository';
import { confineToCustomer } from './customer-scope';
import { filterHash, issuePageToken, readPageToken } from './page-token';
import { parseSearchRequest } from './search.query';
import { compileSearchPage, type Keyset } from './search.sql';

/**
 * The six query shapes of the Banking Activity API (one user / the FI, all / several / one
 * event type), combinable with user and company lists, userType and additionalFilters.
 * Parse, compile (every value bound), then the repository executes.
 */
@Injectable()
export class SearchService {
  constructor(
    private readonly activities: ActivityRepository,
    private readonly signer: TokenSigner,
    private readonly env: ActivityEnv,
  ) {}

  /**
   * The page as JSON text, or null when nothing matches (204). `consistency` is the request's
   * `Consistency` header: `strong` reads the primary (sees every committed write), anything else
   * may read the replica.
   */
  async search(
    principal: AccessPrincipal,
    body: unknown,
    consistency?: string,
  ): Promise<string | null> {
    const q = parseSearchRequest(body, {
      institutionId: principal.institutionId,
      now: Date.now(),
      maxLookbackDays: this.env.ACTIVITY_MAX_LOOKBACK_DAYS,
      mode: 'search',
    });
    confineToCustomer(principal, q);
    const hash = filterHash(q);
    let after: Keyset | null = null;
    if (q.nextPageToken) {
      after = readPageToken(this.signer, q.nextPageToken, hash);
      if (!after) throw ActivityErrors.invalidPageToken();
    }
    const rows = await this.activities.searchPage(
      compileSearchPage(q, after),
      readConsistency(consistency),
    );
    if (rows.length === 0) return null;
    const page = rows.length > q.pageSize ? rows.slice(0, q.pageSize) : rows;
    const last = page[page.length - 1]!;
    const next =
      rows.length > q.pageSize
        ? issuePageToken(this.signer, hash, { ts: last.ts, seq: last.seq })
        : null;
    // Items are JSON text made by PostgreSQL (search.sql.ts), joined without a parse.
    return `{"nextPageToken":${JSON.stringify(next)},"count":${page.length},"bankingActivities":[${page.map((r) => r.item).join(',')}]}`;
  }
}
