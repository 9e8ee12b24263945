import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The folder holding the portal's templates (`**\/views/*.eta`) and static files (`assets/`):
 * apps/developer-portal/src. Compiled code runs from dist/apps/developer-portal/src, which has
 * no templates, so it reads them from the sources beside dist (the image copies them there).
 */
export function webRoot(): string {
  const candidates = [
    resolve(__dirname, '..'),
    resolve(__dirname, '../../../../../apps/developer-portal/src'),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'web', 'views', 'layout.eta')));
  if (!found) throw new Error(`developer-portal templates not found in ${candidates.join(', ')}`);
  return found;
}
