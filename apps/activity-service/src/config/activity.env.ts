import { CommonEnv } from '@app/common';

/** The activity-service's configuration, validated once at start. */
export class ActivityEnv extends CommonEnv {}
