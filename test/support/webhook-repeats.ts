/**
 * Webhook deliveries are at least once. In the tests the receiver, the dispatcher and the
 * services share the Jest process: on a loaded machine a send the receiver answered can still
 * miss DELIVERY_TIMEOUT_MS at the dispatcher, which logs the attempt as timed out and sends the
 * same delivery again (same webhook-id, same body). A receiver dedupes by webhook-id (Standard
 * Webhooks); the tests do too, but only for repeats the delivery log explains.
 */

/** What a receiver kept of one request: its webhook-id header and its raw body. */
export interface Receipt {
  webhookId: string;
  body: string;
}

/** One delivery of the delivery log (GET .../subscriptions/{id}/deliveries). */
export interface LoggedDelivery {
  deliveryId: string;
  status: string;
  attempts: { statusCode: number | null; error: string | null }[];
}

/** What a receiver kept of a request, read from its headers and raw body. */
export const receiptOf = (r: { headers: Record<string, unknown>; body: string }): Receipt => ({
  webhookId: String(r.headers['webhook-id']),
  body: r.body,
});

/** The first copy of each webhook-id, in arrival order (nothing checked: for waiting on). */
export function firstCopies<T>(receipts: T[], of: (r: T) => Receipt): T[] {
  const seen = new Set<string>();
  return receipts.filter((r) => {
    const id = of(r).webhookId;
    return seen.has(id) ? false : (seen.add(id), true);
  });
}

/**
 * `receipts`, the requests a receiver answered with a 2xx in arrival order, without repeats (the
 * first copy of each webhook-id kept), after checking that every repeat is explained: its body
 * is the first copy's, and the settled `log` shows that delivery delivered with, right before
 * the acknowledged attempt, one attempt timed out per extra copy (the receiver answered every
 * copy with success, and the first success the dispatcher hears ends the delivery, so the
 * copies are its last attempts). Any other repeat fails the test.
 */
export function expectRepeatsExplained<T>(
  receipts: T[],
  of: (r: T) => Receipt,
  log: LoggedDelivery[],
): T[] {
  const copies = new Map<string, { body: string; n: number }>();
  const unexplained: string[] = [];
  for (const r of receipts) {
    const { webhookId, body } = of(r);
    const seen = copies.get(webhookId);
    if (!seen) copies.set(webhookId, { body, n: 1 });
    else {
      seen.n++;
      if (body !== seen.body) unexplained.push(`${webhookId}: a repeat with another body`);
    }
  }
  const logged = new Map(log.map((d) => [d.deliveryId, d]));
  for (const [id, { n }] of copies) {
    if (n === 1) continue;
    const d = logged.get(id);
    const last = d?.attempts.slice(-n) ?? [];
    const acknowledged = last.at(-1)?.statusCode;
    const explained =
      d?.status === 'delivered' &&
      last.length === n &&
      acknowledged != null &&
      acknowledged >= 200 &&
      acknowledged < 300 &&
      last.slice(0, -1).every((a) => a.statusCode === null && /timed out/.test(a.error ?? ''));
    if (!explained)
      unexplained.push(`${id}: received ${n} times; logged ${JSON.stringify(d ?? 'nothing')}`);
  }
  expect(unexplained).toEqual([]);
  return firstCopies(receipts, of);
}
