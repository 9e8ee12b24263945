import { Injectable } from '@nestjs/common';
import type { AccessPrincipal } from '@app/common';
import { ActivityErrors } from '../common/activity.errors';
import { TokenSigner } from '../common/token-signer';
import { ActivityEnv } from '../config/activity.env';
import { ActivityDatabase } from '../storage/activity-database';
import { confineToCustomer } from './customer-scope';
import { filterHash, issuePageToken, readPageToken } from './page-token';
import { parseSearchRequest } from './search.query';
import { compileSearchPage } from './search.sql';

/** PostgreSQL's code for a statement cancelled by statement_timeout. */
const QUERY_CANCELED = '57014';

/**
 * The six query shapes of the Banking Activity API (one user / the FI, all / several / one
 * event type), combinable with user and company lists, userType and additionalFilters.
 */
@Injectable()
export class SearchService {
  constructor(
    private readonly db: ActivityDatabase,
    private readonly signer: TokenSigner,
    private readonly env: ActivityEnv,
  ) {}

  /** The page as JSON text, or null when nothing matches (204). */
  async search(principal: AccessPrincipal, body: unknown): Promise<string | null> {
    const q = parseSearchRequest(body, {
      institutionId: principal.institutionId,
      now: Date.now(),
      maxLookbackDays: this.env.ACTIVITY_MAX_LOOKBACK_DAYS,
      mode: 'search',
    });
    confineToCustomer(principal, q);
    const hash = filterHash(q);
    let after = null;
    if (q.nextPageToken) {
      after = readPageToken(this.signer, q.nextPageToken, hash);
      if (!after) throw ActivityErrors.invalidPageToken();
    }
    const sql = compileSearchPage(q, after);
    let rows: { seq: string; ts: string; item: string }[];
    try {
      rows = await this.db.query(sql.text, sql.values);
    } catch (err) {
      if ((err as { code?: string }).code === QUERY_CANCELED) {
        throw ActivityErrors.unavailable('The search took too long; narrow the range or filters.');
      }
      throw err;
    }
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
