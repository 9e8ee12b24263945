// Stand-in for `docker compose up -d` with podman, for a machine without a Docker engine (podman
// 4's podman-compose names containers project_service_n, not Compose v2's project-service-n that
// the gateway's upstreams use). Reads docker-compose.yml and .env from the directory given,
// interpolates as Compose does, and starts every service without a profile, replicas included,
// on the project network, in dependency order, each healthy before its dependents start.
// Usage: node deploy/podman/compose-up.mjs <dir with docker-compose.yml and .env>
// Stop: podman rm -af && podman volume rm -af (everything of podman's on this machine).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
const repo = process.argv[2] ?? process.cwd();
const require = createRequire(import.meta.url);
const YAML = require('yaml');
const env = Object.fromEntries(
  readFileSync(repo + '/.env', 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_0-9]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const interp = (s) =>
  s.replace(/\$\{([A-Z_0-9]+)(?:(:?[-?])([^}]*))?\}/g, (_, k, op, arg) => {
    const v = env[k];
    if (op === ':?' && !v) throw new Error(`${k}: ${arg}`);
    if (op === ':-' && !v) return arg;
    return v ?? '';
  });
const doc = YAML.parse(interp(readFileSync(repo + '/docker-compose.yml', 'utf8')), { merge: true });
const project = doc.name;
const net = `${project}_default`;
const podman = (...a) => execFileSync('podman', a, { encoding: 'utf8' }).trim();
/** Runs podman, ignoring a failure (removing what may not exist). */
const attempt = (...a) => {
  try {
    podman(...a);
  } catch {
    /* nothing to remove */
  }
};
attempt('network', 'rm', '-f', net);
const ipam = doc.networks?.default?.ipam?.config?.[0] ?? {};
podman(
  'network',
  'create',
  ...(ipam.subnet ? ['--subnet', ipam.subnet] : []),
  ...(ipam.ip_range ? ['--ip-range', ipam.ip_range] : []),
  net,
);
const services = Object.entries(doc.services).filter(([, s]) => !s.profiles);
const started = new Set();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function healthy(name, test, timeoutS = 120) {
  const cmd = test[0] === 'CMD-SHELL' ? ['sh', '-c', test[1]] : test.slice(1);
  for (let i = 0; i < timeoutS * 2; i++) {
    try {
      execFileSync('podman', ['exec', name, ...cmd], { stdio: 'ignore' });
      return;
    } catch {
      await sleep(500);
    }
  }
  throw new Error(`${name} not healthy: ${podman('logs', '--tail', '30', name)}`);
}
/** The image's own HEALTHCHECK (the Dockerfile's), when compose sets none. */
const imageHealth = (image) =>
  JSON.parse(podman('image', 'inspect', image, '--format', '{{json .Config.Healthcheck}}'))?.Test;
async function start(name, svc) {
  if (started.has(name)) return;
  for (const dep of Object.keys(svc.depends_on ?? {})) await start(dep, doc.services[dep]);
  const replicas = svc.deploy?.replicas ?? 1;
  for (let n = 1; n <= replicas; n++) {
    const cname = `${project}-${name}-${n}`;
    attempt('rm', '-f', cname);
    const args = ['run', '-d', '--name', cname, '--network', net, '--network-alias', name];
    const ip = svc.networks?.default?.ipv4_address;
    if (ip) args.push('--ip', ip);
    for (const [k, v] of Object.entries(svc.environment ?? {}))
      if (v !== null) args.push('-e', `${k}=${v}`);
    for (const v of svc.volumes ?? []) {
      const [src, dst, mode] = v.split(':');
      args.push(
        '-v',
        `${src.startsWith('.') ? repo + src.slice(1) : project + '_' + src}:${dst}${mode ? ':' + mode : ''}`,
      );
    }
    for (const p of svc.ports ?? []) args.push('-p', p);
    args.push(svc.image);
    podman(...args);
    console.log('started', cname);
  }
  for (let n = 1; n <= replicas; n++)
    await healthy(`${project}-${name}-${n}`, svc.healthcheck?.test ?? imageHealth(svc.image));
  console.log('healthy', name);
  started.add(name);
}
for (const [name, svc] of services) await start(name, svc);
