// auth.test.mjs: registration, login, sessions, forged and expired tokens,
// login throttling, personal API tokens and the admin role.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  api,
  assertError,
  claimsFor,
  registerUser,
  signJwt,
  start,
  uniqueEmail,
  PASSWORD,
} from './harness.mjs';

let srv;
let base;

before(async () => {
  srv = await start({ LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW_SECONDS: '600' });
  base = srv.base;
});

after(async () => {
  if (!srv) return;
  const x = await srv.stop();
  assert.deepEqual(x, { code: 0, signal: null }, 'graceful shutdown exits 0');
});

const register = (body, opts = {}) => api(base, 'POST', '/api/v1/auth/register', { body, ...opts });
const login = (email, password) =>
  api(base, 'POST', '/api/v1/auth/login', { body: { email, password } });
const me = (token) => api(base, 'GET', '/api/v1/auth/me', { token });

describe('register', () => {
  test('201 with {token, user:{id,email,name,role}}', async () => {
    const email = uniqueEmail('Reg').replace('reg', 'Reg');
    const r = await register({ email, password: PASSWORD, name: 'Ada Lovelace' });
    assert.equal(r.status, 201, r.text);
    assert.equal(typeof r.json.token, 'string');
    assert.ok(r.json.token.split('.').length === 3, 'token is a JWT');
    const u = r.json.user;
    for (const k of ['id', 'email', 'name', 'role']) assert.ok(k in u, `user.${k}`);
    assert.match(u.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(u.email, email.toLowerCase());
    assert.equal(u.name, 'Ada Lovelace');
    assert.equal(u.role, 'user');
    assert.ok(!/password|hash/i.test(r.text), 'no password material in the answer');
    const m = await me(r.json.token);
    assert.equal(m.status, 200);
    assert.deepEqual(m.json.user, u);
  });

  test('duplicate email is 409 email_taken, also in other letter case', async () => {
    const email = uniqueEmail('dup');
    assert.equal((await register({ email, password: PASSWORD, name: 'D' })).status, 201);
    assertError(await register({ email, password: PASSWORD, name: 'D2' }), 409, 'email_taken');
    assertError(
      await register({ email: email.toUpperCase(), password: PASSWORD, name: 'D3' }),
      409,
      'email_taken',
    );
    // The original account still logs in with its own password.
    assert.equal((await login(email, PASSWORD)).status, 200);
  });

  test('weak password (< 8 characters) is 422 weak_password', async () => {
    assertError(await register({ email: uniqueEmail('weak'), password: 'short', name: 'W' }), 422, 'weak_password');
    assertError(await register({ email: uniqueEmail('weak'), password: '1234567', name: 'W' }), 422, 'weak_password');
    assertError(await register({ email: uniqueEmail('weak'), password: '', name: 'W' }), 422);
  });

  test('a password of 7 non-ASCII characters is still weak (422)', async () => {
    // 7 characters, 14 bytes in UTF-8: the rule is about characters.
    assertError(
      await register({ email: uniqueEmail('weaku'), password: 'ééééééé', name: 'W' }),
      422,
      'weak_password',
    );
  });

  test('bad email is 422', async () => {
    for (const email of ['not-an-email', 'a@b', '@example.com', 'two@@example.com', 'sp ace@example.com', '']) {
      const r = await register({ email, password: PASSWORD, name: 'E' });
      assertError(r, 422);
    }
  });

  test('missing, unknown and wrongly typed fields are 422', async () => {
    assertError(await register({ email: uniqueEmail('m'), name: 'M' }), 422, 'missing_field');
    assertError(await register({ password: PASSWORD, name: 'M' }), 422, 'missing_field');
    assertError(
      await register({ email: uniqueEmail('u'), password: PASSWORD, name: 'U', role: 'admin' }),
      422,
      'unknown_field',
    );
    assertError(await register({ email: 12345, password: PASSWORD }), 422, 'invalid_field');
    assertError(await register({ email: uniqueEmail('t'), password: ['x'] }), 422, 'invalid_field');
    assertError(await register({ email: uniqueEmail('t'), password: PASSWORD, name: { a: 1 } }), 422, 'invalid_field');
    assertError(await register({ email: uniqueEmail('t'), password: true }), 422, 'invalid_field');
  });

  test('malformed JSON is 400 and registers nobody', async () => {
    const email = uniqueEmail('mal');
    assertError(
      await api(base, 'POST', '/api/v1/auth/register', {
        raw: `{"email":"${email}","password":"${PASSWORD}"`,
        headers: { 'Content-Type': 'application/json' },
      }),
      400,
      'invalid_json',
    );
    assertError(await login(email, PASSWORD), 401);
  });
});

describe('login and sessions', () => {
  let acct;
  before(async () => {
    acct = await registerUser(base, 'login');
  });

  test('login 200 with {token, user}; the token works', async () => {
    const r = await login(acct.email, acct.password);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.user, acct.user);
    const m = await me(r.json.token);
    assert.equal(m.status, 200);
    assert.equal(m.json.user.id, acct.user.id);
  });

  test('login ignores the letter case of the email', async () => {
    const r = await login(acct.email.toUpperCase(), acct.password);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.id, acct.user.id);
  });

  test('wrong password and unknown email are the same 401', async () => {
    const wrong = await login(acct.email, 'not-the-password');
    assertError(wrong, 401);
    const unknown = await login(uniqueEmail('nobody'), 'not-the-password');
    assertError(unknown, 401);
    assert.deepEqual(unknown.json, wrong.json, 'no hint whether the account exists');
    assert.ok(!('token' in wrong.json));
  });

  test('login with missing fields is 422', async () => {
    assertError(await api(base, 'POST', '/api/v1/auth/login', { body: { email: acct.email } }), 422);
  });

  test('/auth/me answers {user}', async () => {
    const r = await me(acct.token);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { user: acct.user });
  });

  test('logout 204, then the same token is 401', async () => {
    const s = await login(acct.email, acct.password);
    assert.equal(s.status, 200);
    assert.equal((await me(s.json.token)).status, 200);
    const out = await api(base, 'POST', '/api/v1/auth/logout', { token: s.json.token });
    assert.equal(out.status, 204, out.text);
    assert.equal(out.text, '');
    assertError(await me(s.json.token), 401);
    assertError(await api(base, 'GET', '/api/v1/progress', { token: s.json.token }), 401);
    // Logging out again with the revoked token is refused too.
    assertError(await api(base, 'POST', '/api/v1/auth/logout', { token: s.json.token }), 401);
    const log = (await api(base, 'GET', '/api/v1/export', { token: acct.token })).json.activity;
    assert.ok(log.some((x) => x.action === 'user.logout'), 'logout is in the activity log');
    assert.ok(log.some((x) => x.action === 'user.login'), 'login is in the activity log');
  });
});

describe('bad tokens', () => {
  let acct;
  before(async () => {
    acct = await registerUser(base, 'tok');
  });

  test('a token forged with the right secret is accepted (the forging is sound)', async () => {
    const t = signJwt(srv.secret, claimsFor(acct.user.id));
    const r = await me(t);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.id, acct.user.id);
  });

  test('expired token is 401 token_expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const t = signJwt(srv.secret, claimsFor(acct.user.id, { iat: now - 7200, exp: now - 3600 }));
    assertError(await me(t), 401, 'token_expired');
  });

  test('a token issued in the future or for a user that does not exist is 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    assertError(await me(signJwt(srv.secret, claimsFor(acct.user.id, { iat: now + 3600, exp: now + 7200 }))), 401);
    assertError(await me(signJwt(srv.secret, claimsFor('00000000-0000-4000-8000-000000000000'))), 401);
    assertError(await me(signJwt(srv.secret, { sub: acct.user.id, jti: 'x'.repeat(32), iat: now })), 401, undefined);
  });

  test('forged signature is 401', async () => {
    const t = signJwt('some-other-secret-that-is-long-enough-123456', claimsFor(acct.user.id));
    assertError(await me(t), 401);
    // A real token with its payload swapped for another user's keeps the old signature.
    const other = await registerUser(base, 'tok2');
    const [h, , s] = acct.token.split('.');
    const p = Buffer.from(JSON.stringify(claimsFor(other.user.id))).toString('base64url');
    assertError(await me(`${h}.${p}.${s}`), 401);
  });

  test('alg none is 401', async () => {
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = claimsFor(acct.user.id);
    assertError(await me(`${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`), 401);
    assertError(await me(`${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}`), 401);
    // HS512 signed with the right key is not HS256.
    const head = `${enc({ alg: 'HS512', typ: 'JWT' })}.${enc(claims)}`;
    const sig = crypto.createHmac('sha512', srv.secret).update(head).digest('base64url');
    assertError(await me(`${head}.${sig}`), 401);
  });

  test('garbage bearer, other schemes and a missing header are 401', async () => {
    assertError(await me('garbage'), 401);
    assertError(await me('a.b.c'), 401);
    assertError(await me('mt_' + 'x'.repeat(43)), 401);
    assertError(await me('x'.repeat(10000)), 401);
    assertError(await api(base, 'GET', '/api/v1/auth/me'), 401);
    assertError(
      await api(base, 'GET', '/api/v1/auth/me', { headers: { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }),
      401,
    );
    assertError(await api(base, 'GET', '/api/v1/auth/me', { headers: { Authorization: 'Bearer ' } }), 401);
  });
});

describe('login throttling (LOGIN_MAX_FAILURES=3)', () => {
  let acct;
  before(async () => {
    acct = await registerUser(base, 'throttle');
  });

  test('the 4th failed login is 429 with Retry-After, and the right password too', async () => {
    for (let i = 0; i < 3; i++) assertError(await login(acct.email, `wrong-${i}-password`), 401);
    const r = await login(acct.email, 'wrong-again-password');
    assertError(r, 429);
    const ra = r.headers.get('retry-after');
    assert.ok(ra, 'Retry-After header present');
    assert.match(ra, /^\d+$/);
    assert.ok(Number(ra) > 0 && Number(ra) <= 600, `Retry-After ${ra} within the window`);
    const good = await login(acct.email, acct.password);
    assertError(good, 429);
    assert.ok(!('token' in good.json));
    // Other letter case is the same account, so it is throttled too.
    assertError(await login(acct.email.toUpperCase(), acct.password), 429);
  });

  test('the throttle cannot be sidestepped by padding the email with spaces', async () => {
    // The server trims the email before looking the account up, so " x@y" is the same account.
    const r = await login(`  ${acct.email} `, acct.password);
    assertError(r, 429);
  });

  test('other accounts are not throttled by it; a session issued earlier still works', async () => {
    const other = await registerUser(base, 'unthrottled');
    assert.equal((await login(other.email, other.password)).status, 200);
    assert.equal((await me(acct.token)).status, 200);
  });
});

describe('API tokens', () => {
  let a;
  let b;
  before(async () => {
    a = await registerUser(base, 'apitok-a');
    b = await registerUser(base, 'apitok-b');
  });

  test('create 201 shows the token once; list never shows it; it works as Bearer', async () => {
    const c = await api(base, 'POST', '/api/v1/tokens', { token: a.token, body: { name: 'laptop mcp' } });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.json.name, 'laptop mcp');
    assert.equal(typeof c.json.id, 'string');
    assert.match(c.json.token, /^mt_[A-Za-z0-9_-]{20,}$/);
    const l = await api(base, 'GET', '/api/v1/tokens', { token: a.token });
    assert.equal(l.status, 200);
    assert.ok(Array.isArray(l.json.items));
    assert.equal(l.json.total, l.json.items.length);
    const item = l.json.items.find((x) => x.id === c.json.id);
    assert.ok(item, 'the new token is listed');
    assert.equal(item.name, 'laptop mcp');
    assert.ok(!('token' in item));
    assert.ok(!l.text.includes(c.json.token), 'the secret is never listed');
    assert.ok(!l.text.includes(c.json.token.slice(12)), 'nor most of it');
    // B does not see A's tokens.
    const lb = await api(base, 'GET', '/api/v1/tokens', { token: b.token });
    assert.ok(!lb.json.items.some((x) => x.id === c.json.id));

    const m = await me(c.json.token);
    assert.equal(m.status, 200, m.text);
    assert.deepEqual(m.json.user, a.user);
    assert.equal((await api(base, 'GET', '/api/v1/progress', { token: c.json.token })).status, 200);
  });

  test('delete 204, then the token is 401; deleting again is 404', async () => {
    const c = await api(base, 'POST', '/api/v1/tokens', { token: a.token, body: { name: 'ci' } });
    assert.equal(c.status, 201);
    assert.equal((await me(c.json.token)).status, 200);
    const d = await api(base, 'DELETE', `/api/v1/tokens/${c.json.id}`, { token: a.token });
    assert.equal(d.status, 204, d.text);
    assertError(await me(c.json.token), 401);
    assertError(await api(base, 'DELETE', `/api/v1/tokens/${c.json.id}`, { token: a.token }), 404);
    const l = await api(base, 'GET', '/api/v1/tokens', { token: a.token });
    assert.ok(!l.json.items.some((x) => x.id === c.json.id));
  });

  test("deleting another user's token is 404 and the token keeps working", async () => {
    const c = await api(base, 'POST', '/api/v1/tokens', { token: a.token, body: { name: 'mine' } });
    assert.equal(c.status, 201);
    assertError(await api(base, 'DELETE', `/api/v1/tokens/${c.json.id}`, { token: b.token }), 404);
    assert.equal((await me(c.json.token)).status, 200);
    assertError(
      await api(base, 'DELETE', '/api/v1/tokens/00000000-0000-4000-8000-000000000000', { token: a.token }),
      404,
    );
  });

  test('bad token bodies are 422 and create nothing', async () => {
    const before_ = (await api(base, 'GET', '/api/v1/tokens', { token: b.token })).json.total;
    assertError(await api(base, 'POST', '/api/v1/tokens', { token: b.token, body: {} }), 422);
    assertError(await api(base, 'POST', '/api/v1/tokens', { token: b.token, body: { name: '' } }), 422);
    assertError(await api(base, 'POST', '/api/v1/tokens', { token: b.token, body: { name: 7 } }), 422);
    assertError(await api(base, 'POST', '/api/v1/tokens', { token: b.token, body: { name: 'x', scope: 'all' } }), 422);
    assertError(await api(base, 'POST', '/api/v1/tokens', { body: { name: 'anon' } }), 401);
    const after_ = (await api(base, 'GET', '/api/v1/tokens', { token: b.token })).json.total;
    assert.equal(after_, before_);
  });
});

describe('admin role', () => {
  test('/admin/users is 401 anonymous, 403 for a user, 200 once made admin with the CLI', async () => {
    const u = await registerUser(base, 'admin');
    assertError(await api(base, 'GET', '/api/v1/admin/users'), 401);
    assertError(await api(base, 'GET', '/api/v1/admin/users', { token: u.token }), 403, 'forbidden');

    const cli = await srv.cli(['user', 'set-role', u.email, 'admin']);
    assert.equal(cli.code, 0, cli.stderr);

    const me_ = await me(u.token);
    assert.equal(me_.json.user.role, 'admin');
    const r = await api(base, 'GET', '/api/v1/admin/users', { token: u.token });
    assert.equal(r.status, 200, r.text);
    assert.ok(Array.isArray(r.json.items));
    assert.ok(r.json.total >= 1);
    assert.ok(r.json.items.some((x) => x.email === u.email && x.role === 'admin'));
    assert.ok(!/password|hash/i.test(r.text), 'no password material in the list');

    const page = await api(base, 'GET', '/api/v1/admin/users?limit=1', { token: u.token });
    assert.equal(page.json.items.length, 1);
    assertError(await api(base, 'GET', '/api/v1/admin/users?limit=0', { token: u.token }), 400);

    // Back to user: the same token loses access.
    assert.equal((await srv.cli(['user', 'set-role', u.email, 'user'])).code, 0);
    assertError(await api(base, 'GET', '/api/v1/admin/users', { token: u.token }), 403);
  });
});
