// `npm start` runs this before the platform: `npm run build` only when something it compiles
// changed since the last build (a newer file or folder under apps, libs, scripts or bench, or a
// newer tsconfig, package.json or lockfile), so a second start skips the build. Plain JavaScript:
// it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(ROOT, 'dist', '.build-stamp');
const SOURCES = ['apps', 'libs', 'scripts', 'bench'];
const FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

/** The newest modification time under a path; folders count too, since a deletion changes them. */
function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  let time = stat.mtimeMs;
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) time = Math.max(time, newest(join(path, entry)));
  }
  return time;
}

let built = 0;
try {
  built = statSync(STAMP).mtimeMs;
} catch {
  // never built
}
const changed = Math.max(...[...SOURCES, ...FILES].map((p) => newest(join(ROOT, p))));
if (built > 0 && changed <= built) {
  process.stdout.write('Build is up to date (nothing changed since the last build).\n');
} else {
  // Stamped with the time the build started: a file saved during the build is newer.
  const started = new Date();
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  writeFileSync(STAMP, '');
  utimesSync(STAMP, started, started);
}
