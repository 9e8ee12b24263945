import 'reflect-metadata';
import { bootstrap, reportStartupFailure, type BootstrapOptions } from '@app/common';
import { CustomerServiceModule } from './app.module';
import { installBodyParsers } from './http/body-parsing';

export const customerServiceOptions: BootstrapOptions = {
  title: 'customer-service (Customer v2)',
  description:
    'Fast online-banking signup: registration, terms and legal disclosures, and the customer profile.',
  portEnv: 'CUSTOMER_PORT',
  configure: installBodyParsers,
};

if (require.main === module) {
  bootstrap(CustomerServiceModule, customerServiceOptions).catch((err: unknown) => {
    reportStartupFailure('customer-service', err);
    process.exit(1);
  });
}
