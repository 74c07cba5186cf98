// api.js: the REST API from the browser. The access token lives in
// localStorage (the page sends it as a bearer token; a strict CSP keeps
// foreign scripts out). Every error becomes an ApiError with the server's
// code and message; a 401 signs the user out and returns to sign-in.

const TOKEN_KEY = 'maang.token';
const USER_KEY = 'maang.user';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let onUnauthorized = () => {};

export const auth = {
  get token() {
    return localStorage.getItem(TOKEN_KEY);
  },
  get user() {
    try {
      return JSON.parse(localStorage.getItem(USER_KEY) || 'null');
    } catch {
      return null;
    }
  },
  set(token, user) {
    localStorage.setItem(TOKEN_KEY, token);
    localStorage.setItem(USER_KEY, JSON.stringify(user));
  },
  clear() {
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(USER_KEY);
  },
  onUnauthorized(fn) {
    onUnauthorized = fn;
  },
};

/** Builds "?a=1&b=x" from an object, leaving out empty values. */
export function query(params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    q.set(k, v === true ? '1' : String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * One call: api('GET', '/progress'), api('POST', '/attempts', body).
 * Paths are under /api/v1. Resolves to the parsed JSON (null for 204), or
 * the text for non-JSON answers (CSV export).
 */
export async function api(method, path, body, { raw = false } = {}) {
  const headers = {};
  const token = auth.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: payload });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Is it running?');
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: 'http_' + res.status, message: res.statusText };
    if (res.status === 401 && token) {
      auth.clear();
      onUnauthorized(err);
    }
    throw new ApiError(res.status, err.code, err.message);
  }
  return raw ? data : data;
}

export const get = (path, params) => api('GET', path + query(params));
export const post = (path, body) => api('POST', path, body);
export const put = (path, body) => api('PUT', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);
