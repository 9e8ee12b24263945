// Smoke test of a running compose stack through its gateway: a new FI app,
// a customer registered, a password grant (auth-server -> customer-service), a refresh, the
// profile, the login event delivered by the outbox to the activity-service and found by search,
// the reference and the portal's pages. Exit code 1 if any check fails.
// Usage: node deploy/smoke.mjs [dir with .env] (GATEWAY_URL, default http://localhost:8080)
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
const env = Object.fromEntries(
  readFileSync((process.argv[2] ?? '.') + '/.env', 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_0-9]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const G = process.env.GATEWAY_URL ?? 'http://localhost:8080';
const check = (what, ok, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what} ${detail}`);
  if (!ok) process.exitCode = 1;
};
const token = async (id, secret, form) => {
  const res = await fetch(`${G}/oauth2/v1/token`, {
    method: 'POST',
    headers: {
      authorization: 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64'),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: await res.json() };
};
const admin = await token(env.ADMIN_CLIENT_ID, env.ADMIN_CLIENT_SECRET, {
  grant_type: 'client_credentials',
  scope: 'clients:admin',
});
check('admin token', admin.status === 200, admin.status);
const fi = `fi-smoke-${Date.now().toString(36)}`;
const created = await fetch(`${G}/admin/v1/clients`, {
  method: 'POST',
  headers: {
    authorization: `Bearer ${admin.body.access_token}`,
    'content-type': 'application/json',
  },
  body: JSON.stringify({
    institutionId: fi,
    name: 'smoke app',
    grantTypes: ['client_credentials', 'password', 'refresh_token'],
    scopes: [
      'customers:write',
      'customers:read',
      'profile:read',
      'banking-activities:read',
      'account:read',
    ],
  }),
});
const app = await created.json();
check('client created', created.status === 201, created.status);
const cc = await token(app.clientId, app.clientSecret, {
  grant_type: 'client_credentials',
  scope: 'customers:write customers:read banking-activities:read account:read',
});
check('app token', cc.status === 200, cc.status);
// The registration is the reference's own retail example (the document the gateway serves),
// with this run's loginId: the documented request has to work as documented.
const reference = await fetch(`${G}/reference-json`);
const retail = reference.ok
  ? (await reference.json()).paths?.['/customers/v2/registrations']?.post?.requestBody?.content?.[
      'application/json'
    ]?.examples?.retail?.value
  : undefined;
check('reference document, retail registration example', retail !== undefined, reference.status);
const loginId = `smoke${Date.now().toString(36)}`;
const password = 'violet tractor sings at dawn';
const reg = await fetch(`${G}/customers/v2/registrations`, {
  method: 'POST',
  headers: {
    authorization: `Bearer ${cc.body.access_token}`,
    'content-type': 'application/json',
    'idempotency-key': randomUUID(),
  },
  body: JSON.stringify({ ...retail, loginId, password }),
});
const customer = await reg.json();
check(
  'registration',
  reg.status === 201,
  `${reg.status} ${reg.status === 201 ? '' : JSON.stringify(customer)}`,
);
const login = await token(app.clientId, app.clientSecret, {
  grant_type: 'password',
  username: loginId,
  password,
  scope: 'profile:read',
});
check('password grant', login.status === 200 && !!login.body.refresh_token, login.status);
const wrong = await token(app.clientId, app.clientSecret, {
  grant_type: 'password',
  username: loginId,
  password: 'not the password at all',
});
check(
  'wrong password refused',
  wrong.status === 400 && wrong.body.error === 'invalid_grant',
  wrong.status,
);
const refreshed = await token(app.clientId, app.clientSecret, {
  grant_type: 'refresh_token',
  refresh_token: login.body.refresh_token,
});
check(
  'refresh rotates',
  refreshed.status === 200 && refreshed.body.refresh_token !== login.body.refresh_token,
  refreshed.status,
);
const reused = await token(app.clientId, app.clientSecret, {
  grant_type: 'refresh_token',
  refresh_token: login.body.refresh_token,
});
check('reused refresh token refused', reused.status === 400, reused.status);
const profile = await fetch(`${G}/customers/v2/customers/${customer.customerId}`, {
  headers: { authorization: `Bearer ${cc.body.access_token}` },
});
check('customer read', profile.status === 200, profile.status);
let found = [];
for (let i = 0; i < 40 && found.length < 2; i++) {
  const res = await fetch(`${G}/data-apis/v1/banking-activities`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${cc.body.access_token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      startTime: new Date(Date.now() - 3600e3).toISOString(),
      endTime: new Date(Date.now() + 60e3).toISOString(),
      userIdType: 'loginId',
      userId: loginId,
    }),
  });
  const body = res.status === 204 ? {} : await res.json();
  if (i === 0 && res.status !== 200 && res.status !== 204)
    console.log(res.status, JSON.stringify(body).slice(0, 400));
  found = (body.bankingActivities ?? []).map((a) => a.eventId);
  if (found.length < 2) await new Promise((r) => setTimeout(r, 500));
}
check(
  'registration and login events searchable (outbox -> activity-service)',
  found.includes('loginSuccess') && found.includes('loginFailure'),
  JSON.stringify(found),
);
const docs = await fetch(`${G}/reference`);
check('reference', docs.status === 200, docs.status);
const portal = await fetch(`${G}/portal/signup`);
check('portal sign-up page', portal.status === 200, portal.status);
const metrics = await fetch(`${G}/metrics`);
check('/metrics not routed by the gateway', metrics.status === 404, metrics.status);
