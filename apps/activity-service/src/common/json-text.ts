import type { FastifyReply } from 'fastify';

/** Sends a 200 with JSON that is already text (pages assembled from PostgreSQL's JSON). */
export function sendJsonText(reply: FastifyReply, text: string): void {
  void reply.status(200).header('Content-Type', 'application/json; charset=utf-8').send(text);
}
