import { hash } from 'node:crypto';
import type { TokenSigner } from '../common/token-signer';
import type { SearchQuery } from './search.query';
import type { Keyset } from './search.sql';

const PURPOSE = 'activity-page';

interface PagePayload {
  v: 1;
  /** Hash of the filters the token was issued for. */
  h: string;
  t: string;
  s: string;
}

/**
 * Digest of everything that decides which events match and in which order: the FI, the range,
 * the lists, the filter tree and the sort. pageSize and requestedAttributes may change from
 * page to page; anything else makes the token invalid (BAS_10005).
 */
export function filterHash(q: SearchQuery): string {
  const canonical = JSON.stringify([
    q.institutionId,
    q.startTime.toISOString(),
    q.endTime.toISOString(),
    [...q.eventIds].sort(),
    q.userType,
    q.userIdType,
    [...q.userIds].sort(),
    [...q.companyIds].sort(),
    q.filter,
    q.sortOrder,
  ]);
  // One-shot: no Hash object per page.
  return hash('sha256', canonical, 'base64url').slice(0, 22);
}

export function issuePageToken(signer: TokenSigner, hash: string, last: Keyset): string {
  const payload: PagePayload = { v: 1, h: hash, t: last.ts, s: last.seq };
  return signer.sign(PURPOSE, payload);
}

/** The keyset a token carries, or null if it is forged, malformed or for other filters. */
export function readPageToken(signer: TokenSigner, token: string, hash: string): Keyset | null {
  const p = signer.verify(PURPOSE, token) as Partial<PagePayload> | null;
  if (!p || p.v !== 1 || p.h !== hash || typeof p.t !== 'string' || typeof p.s !== 'string') {
    return null;
  }
  if (!/^\d{1,19}$/.test(p.s) || Number.isNaN(Date.parse(p.t))) return null;
  return { ts: p.t, seq: p.s };
}
