import { Init1795253379626 } from './1795253379626-Init';

// Every migration of the customer schema, in order. Add new ones here after review.
export const migrations = [Init1795253379626];
