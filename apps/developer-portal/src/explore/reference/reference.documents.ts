import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ServiceName } from '../public-apis';

/** An OpenAPI 3 document, as far as the portal reads or changes it. */
export type OpenApiDocument = Record<string, unknown> & {
  servers?: { url: string; description?: string }[];
  paths?: Record<string, Record<string, unknown>>;
  components?: { securitySchemes?: Record<string, SecurityScheme> } & Record<string, unknown>;
};

interface SecurityScheme {
  type: string;
  flows?: Record<string, { tokenUrl?: string } & Record<string, unknown>>;
  [key: string]: unknown;
}

export interface DocumentSource {
  name: ServiceName;
  /** Where the portal reads the service's live document (GET {url}/docs-json). */
  internalUrl: string;
  /** Where browsers and curl reach the service (the document's server). */
  publicUrl: string;
}

/** Titles of the three documents, in the order the selector shows them. */
export const DOCUMENT_TITLES: Record<ServiceName, string> = {
  'auth-server': 'Auth server (OAuth 2.0 tokens, client administration)',
  'customer-service': 'Customer v2 (registrations, profiles, disclosures)',
  'activity-service': 'Banking Activity (search, export, ingest, feed, deliveries)',
};

/**
 * The document as the portal serves it: its one server is where the browser reaches the
 * service, and every OAuth flow's token URL is the auth-server's public token endpoint.
 * Nothing else changes (the reference is the service's own document).
 */
export function servedDocument(
  document: OpenApiDocument,
  source: Pick<DocumentSource, 'publicUrl' | 'name'>,
  authPublicUrl: string,
): OpenApiDocument {
  const copy = structuredClone(document);
  copy.servers = [{ url: source.publicUrl, description: source.name }];
  // Path-level servers would send try-it elsewhere; the portal's choice stands.
  for (const item of Object.values(copy.paths ?? {})) delete item.servers;
  const tokenUrl = `${authPublicUrl.replace(/\/+$/, '')}/oauth2/v1/token`;
  for (const scheme of Object.values(copy.components?.securitySchemes ?? {})) {
    for (const flow of Object.values(scheme.flows ?? {})) {
      if (flow.tokenUrl !== undefined) flow.tokenUrl = tokenUrl;
    }
  }
  return copy;
}

/** docs/openapi (the committed documents), from the sources or from dist. */
export function committedDocumentsDir(): string | null {
  const candidates = [
    resolve(__dirname, '../../../../../docs/openapi'),
    resolve(__dirname, '../../../../../../docs/openapi'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'auth-server.json'))) ?? null;
}

type Fetch = typeof fetch;

/**
 * The three services' documents: live from each service (its examples' times are then fresh,
 * so try-it's examples fall in the look-back window), else the committed copy in docs/openapi
 * (when a service serves no docs, as in production without DOCS_ENABLED). Kept a minute.
 */
export class ReferenceDocuments {
  private readonly cache = new Map<ServiceName, { at: number; doc: OpenApiDocument }>();

  constructor(
    private readonly sources: readonly DocumentSource[],
    private readonly authPublicUrl: string,
    private readonly options: {
      timeoutMs?: number;
      ttlMs?: number;
      committedDir?: string | null;
      fetchImpl?: Fetch;
    } = {},
  ) {}

  names(): ServiceName[] {
    return this.sources.map((s) => s.name);
  }

  has(name: string): name is ServiceName {
    return this.sources.some((s) => s.name === name);
  }

  async document(name: ServiceName, now = Date.now()): Promise<OpenApiDocument | null> {
    const source = this.sources.find((s) => s.name === name);
    if (!source) return null;
    const cached = this.cache.get(name);
    if (cached && now - cached.at < (this.options.ttlMs ?? 60_000)) return cached.doc;
    const raw = (await this.live(source)) ?? (await this.committed(name));
    if (!raw) return null;
    const doc = servedDocument(raw, source, this.authPublicUrl);
    this.cache.set(name, { at: now, doc });
    return doc;
  }

  private async live(source: DocumentSource): Promise<OpenApiDocument | null> {
    try {
      const res = await (this.options.fetchImpl ?? fetch)(
        `${source.internalUrl.replace(/\/+$/, '')}/docs-json`,
        {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000),
        },
      );
      if (!res.ok) return null;
      const doc = (await res.json()) as unknown;
      return isDocument(doc) ? doc : null;
    } catch {
      return null;
    }
  }

  private async committed(name: ServiceName): Promise<OpenApiDocument | null> {
    const dir =
      this.options.committedDir === undefined ? committedDocumentsDir() : this.options.committedDir;
    if (!dir) return null;
    try {
      const doc = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as unknown;
      return isDocument(doc) ? doc : null;
    } catch {
      return null;
    }
  }
}

function isDocument(doc: unknown): doc is OpenApiDocument {
  return (
    typeof doc === 'object' &&
    doc !== null &&
    typeof (doc as Record<string, unknown>).openapi === 'string' &&
    typeof (doc as Record<string, unknown>).paths === 'object'
  );
}
