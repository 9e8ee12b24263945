import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/common';
import { TokenSigner } from '../../common/token-signer';
import { FILE_LINK_PURPOSE, fileNames } from './file-delivery.service';
import { DeliveryFilesRepository, type FileRecord } from './files.repository';
import { ManifestSigner, type DeliveryJwk } from './manifest-signer.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE_PURPOSE = 'delivery-files-page';
const DEFAULT_PAGE = 100;
const MAX_PAGE = 500;

/** A file ready to send: its headers' facts and its bytes, chunk by chunk. */
export interface FileDownload {
  fileName: string;
  bytes: number;
  sha256: string;
  chunks: AsyncIterable<Buffer>;
}

export interface FileListing {
  files: Record<string, unknown>[];
  nextPageToken: string | null;
}

const notFound = (what: string) =>
  new DomainError('DELIVERY_NOT_FOUND', 'not_found', `No such ${what} in this institution.`);
const linkInvalid = (detail: string) =>
  new DomainError('DELIVERY_FILE_LINK_INVALID', 'forbidden', detail);

/**
 * The files API: a subscription's manifests (pull), a file's bytes to its FI's app, or to anyone
 * holding a signed, unexpired link; and the manifest-signing keys.
 */
@Injectable()
export class DeliveryFilesService {
  constructor(
    private readonly files: DeliveryFilesRepository,
    private readonly signer: ManifestSigner,
    private readonly tokens: TokenSigner,
  ) {}

  /** Manifests of the subscription's files, newest window first, keyset-paged. */
  async list(
    institutionId: string,
    subscriptionId: string,
    query: { pageSize?: string; pageToken?: string },
  ): Promise<FileListing> {
    await this.subscription(institutionId, subscriptionId);
    const size = query.pageSize === undefined ? DEFAULT_PAGE : Number(query.pageSize);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
      throw new DomainError('DELIVERY_INVALID', 'invalid', `pageSize must be 1 to ${MAX_PAGE}.`, {
        errors: [{ pointer: '/pageSize', detail: `must be an integer from 1 to ${MAX_PAGE}` }],
      });
    }
    let before: { windowEnd: Date; id: string } | null = null;
    if (query.pageToken !== undefined) {
      const t = this.tokens.verify(PAGE_PURPOSE, query.pageToken) as {
        s?: string;
        w?: string;
        i?: string;
      } | null;
      if (!t || t.s !== subscriptionId || !t.w || !t.i) {
        throw new DomainError('DELIVERY_INVALID', 'invalid', 'pageToken is not valid here.', {
          errors: [{ pointer: '/pageToken', detail: 'was not issued for this listing' }],
        });
      }
      before = { windowEnd: new Date(t.w), id: t.i };
    }
    const rows = await this.files.list(subscriptionId, size + 1, before);
    const page = rows.slice(0, size);
    const last = page[page.length - 1];
    return {
      files: page.map((f) => JSON.parse(f.manifest) as Record<string, unknown>),
      nextPageToken:
        rows.length > size && last
          ? this.tokens.sign(PAGE_PURPOSE, {
              s: subscriptionId,
              w: last.windowEnd.toISOString(),
              i: last.id,
            })
          : null,
    };
  }

  /** A file of one of the FI's subscriptions. */
  async open(institutionId: string, subscriptionId: string, fileId: string): Promise<FileDownload> {
    await this.subscription(institutionId, subscriptionId);
    const file = UUID.test(fileId) ? await this.files.find(fileId) : null;
    if (!file || file.subscriptionId !== subscriptionId) throw notFound('file');
    return this.download(file);
  }

  /** A file through a signed link (no bearer token): the link must be for it and unexpired. */
  async openLinked(
    fileId: string,
    token: string | undefined,
    now = new Date(),
  ): Promise<FileDownload> {
    const t = this.tokens.verify(FILE_LINK_PURPOSE, token) as { f?: string; e?: number } | null;
    if (!t || t.f !== fileId || typeof t.e !== 'number') {
      throw linkInvalid('The download link is not valid.');
    }
    if (t.e * 1000 <= now.getTime()) throw linkInvalid('The download link has expired.');
    const file = UUID.test(fileId) ? await this.files.find(fileId) : null;
    if (!file)
      throw new DomainError('DELIVERY_NOT_FOUND', 'not_found', 'The file is no longer kept.');
    return this.download(file);
  }

  jwks(): Promise<{ keys: DeliveryJwk[] }> {
    return this.signer.jwks();
  }

  private async subscription(institutionId: string, subscriptionId: string): Promise<void> {
    if (
      !UUID.test(subscriptionId) ||
      !(await this.files.subscriptionInInstitution(subscriptionId, institutionId))
    ) {
      throw notFound('subscription');
    }
  }

  private download(file: FileRecord): FileDownload {
    return {
      fileName: fileNames(file).file,
      bytes: file.bytes,
      sha256: file.sha256,
      chunks: this.files.chunks(file.id),
    };
  }
}
