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
    const page = await this.activities.searchPage(
      compileSearchPage(q, after),
      readConsistency(consistency),
    );
    if (page.rows === 0 || page.items === null) return null;
    const next =
      page.rows > q.pageSize && page.last_ts !== null && page.last_seq !== null
        ? issuePageToken(this.signer, hash, { ts: page.last_ts, seq: page.last_seq })
        : null;
    const count = Math.min(page.rows, q.pageSize);
    // Items are JSON text made and joined by PostgreSQL (search.sql.ts), passed on without a parse.
    return `{"nextPageToken":${JSON.stringify(next)},"count":${count},"bankingActivities":[${page.items}]}`;
  }
}
