import type { Provider, Type } from '@nestjs/common';
import { FILE_DELIVERY } from '../delivery.ports';
import { FileDeliveryService } from './file-delivery.service';
import { DeliveryFilesController } from './files.controller';
import { DeliveryFilesRepository } from './files.repository';
import { DeliveryFilesService } from './files.service';
import { ManifestSigner } from './manifest-signer.service';
import { SftpClient } from './sftp.client';
import { SigningKeysRepository } from './signing-keys.repository';

/*
 * Hourly and daily delivery files: windows, the builder, manifest signing, SFTP, the files API
 * and /delivery-keys. Registered in the app module beside the service's other providers (they
 * use ActivityDatabase and TokenSigner); the FileDelivery port is FILE_DELIVERY.
 */
export const DELIVERY_FILES_CONTROLLERS: Type<unknown>[] = [DeliveryFilesController];

export const DELIVERY_FILES_PROVIDERS: Provider[] = [
  DeliveryFilesRepository,
  SigningKeysRepository,
  ManifestSigner,
  SftpClient,
  FileDeliveryService,
  { provide: FILE_DELIVERY, useExisting: FileDeliveryService },
  DeliveryFilesService,
];
