import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The committed Postman files (docs/postman, made by `npm run postman`), served per app with the
 * app's values substituted: one generator, no copy of it here.
 */
const COLLECTION_FILE = 'digital-banking.postman_collection.json';
const ENVIRONMENT_FILE = 'local.postman_environment.json';

function postmanDir(): string {
  const candidates = [
    resolve(__dirname, '../../../../docs/postman'),
    resolve(__dirname, '../../../../../docs/postman'),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, COLLECTION_FILE)));
  if (!found) throw new Error(`docs/postman not found in ${candidates.join(', ')}`);
  return found;
}

let cache: { collection: string; environment: string } | undefined;
function files(): { collection: string; environment: string } {
  const dir = postmanDir();
  cache ??= {
    collection: readFileSync(join(dir, COLLECTION_FILE), 'utf8'),
    environment: readFileSync(join(dir, ENVIRONMENT_FILE), 'utf8'),
  };
  return cache;
}

interface EnvironmentValue {
  key: string;
  value: string;
  type?: string;
  enabled: boolean;
  description?: string;
}

export interface PostmanTarget {
  appName: string;
  clientId: string;
  institutionId: string;
  urls: { auth: string; customer: string; activity: string };
}

/** The collection as committed, named for the app (its requests use the environment's values). */
export function postmanCollection(target: PostmanTarget): Record<string, unknown> {
  const collection = JSON.parse(files().collection) as { info: Record<string, unknown> };
  collection.info.name = `Digital banking: ${target.appName}`;
  return collection;
}

/**
 * The environment with the app's Shared Key and the API URLs filled in; the Secret Key left
 * empty for the developer to paste (it is never stored, so it cannot be filled in), the admin
 * client's values emptied (a developer's app is not the platform admin).
 */
export function postmanEnvironment(target: PostmanTarget): Record<string, unknown> {
  const environment = JSON.parse(files().environment) as {
    name: string;
    values: EnvironmentValue[];
  };
  const set: Record<string, string> = {
    authUrl: target.urls.auth,
    customerUrl: target.urls.customer,
    activityUrl: target.urls.activity,
    clientId: target.clientId,
    clientSecret: '',
    adminClientId: '',
    adminClientSecret: '',
  };
  environment.name = `Digital banking sandbox (${target.appName})`;
  environment.values = environment.values.map((v) =>
    v.key in set
      ? {
          ...v,
          value: set[v.key]!,
          ...(v.key === 'clientSecret'
            ? {
                description:
                  'Paste your Secret Key here (it was shown once, at creation or rotation).',
              }
            : {}),
        }
      : v,
  );
  environment.values.push({ key: 'institutionId', value: target.institutionId, enabled: true });
  return environment;
}
