import type { FastifyReply } from 'fastify';

export const MERGE_PATCH = 'application/merge-patch+json';

/** Whether a Content-Type header names this media type (parameters and case aside). */
export const isMediaType = (contentType: string | undefined, mediaType: string): boolean =>
  contentType?.split(';', 1)[0]!.trim().toLowerCase() === mediaType;

/** A representation of personal data: its ETag, and never kept by a shared cache. */
export function personalRepresentation(reply: FastifyReply, etag: string): void {
  reply.header('ETag', etag);
  reply.header('Cache-Control', 'no-store');
}
