import { Module } from '@nestjs/common';
import { PersistenceModule } from '../persistence/persistence.module';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';

@Module({
  imports: [PersistenceModule],
  providers: [SigningKeysRepository, SigningKeysService],
  exports: [SigningKeysService],
})
export class KeysModule {}
