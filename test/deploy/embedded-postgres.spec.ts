import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forPostgresUser, ROOT_HOMES } from '../../scripts/embedded-postgres';

describe('embedded PostgreSQL run by root from a folder the postgres user cannot enter', () => {
  // Like a clone under /root or a `mktemp -d` folder: mode 700.
  const privateDir = mkdtempSync(join(tmpdir(), 'private-'));
  const clusters = mkdtempSync(join(tmpdir(), 'clusters-'));
  chmodSync(clusters, 0o755);
  const homes = { ...ROOT_HOMES, clusters };
  afterAll(() => {
    rmSync(privateDir, { recursive: true, force: true });
    rmSync(clusters, { recursive: true, force: true });
  });
  const asPostgres = (path: string) => {
    const [uid, gid] = ['-u', '-g'].map((f) =>
      Number(spawnSync('id', [f, 'postgres'], { encoding: 'utf8' }).stdout),
    );
    return spawnSync('test', ['-x', path], { uid, gid }).status === 0;
  };

  it('keeps the cluster where that user can reach it, linked from the folder asked for, and finds it again', () => {
    const dir = join(privateDir, 'postgres');
    if (process.getuid?.() !== 0) {
      // Only root hands PostgreSQL to the postgres user; anyone else is told why it cannot.
      expect(() => forPostgresUser(dir, homes)).toThrow(/cannot enter/);
      return;
    }
    expect(asPostgres(privateDir)).toBe(false);
    const first = forPostgresUser(dir, homes);
    expect(first.dir.startsWith(realpathSync(clusters))).toBe(true);
    expect(asPostgres(first.dir)).toBe(true);
    expect(lstatSync(dir).isSymbolicLink()).toBe(true);
    expect(realpathSync(dir)).toBe(first.dir);
    // The next start follows the link to the same cluster.
    expect(forPostgresUser(dir, homes).dir).toBe(first.dir);
  });
});
