import { CommonEnv } from '@app/common';

/** The customer-service's configuration, validated once at start. */
export class CustomerEnv extends CommonEnv {}
