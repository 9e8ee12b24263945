import type { FastifyReply } from 'fastify';

/**
 * A JSON document around one large piece of JSON text made by PostgreSQL (a page's items),
 * written into one Buffer. Sent as a string, the concatenation was a rope that the response
 * flattened into a copy before encoding it (a 225 KB copy per 500-event page, in V8's
 * large-object space, which only a full GC frees); here the items are encoded once, in place.
 */
export function jsonText(head: string, items: string, tail: string): Buffer {
  const headBytes = Buffer.byteLength(head);
  const itemBytes = Buffer.byteLength(items);
  const out = Buffer.allocUnsafe(headBytes + itemBytes + Buffer.byteLength(tail));
  out.write(head, 0);
  out.write(items, headBytes);
  out.write(tail, headBytes + itemBytes);
  return out;
}

/** Sends a 200 with JSON that is already text (pages assembled from PostgreSQL's JSON). */
export function sendJsonText(reply: FastifyReply, json: Buffer): void {
  void reply.status(200).header('Content-Type', 'application/json; charset=utf-8').send(json);
}
