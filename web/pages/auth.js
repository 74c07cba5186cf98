// auth.js: #/signin and #/signup. The forms post to /auth/login or
// /auth/register directly (not through api()) so that a throttled sign-in
// can read Retry-After; errors are shown inline next to the field at fault.

import { signedIn } from '../app.js';
import { auth } from '../lib/api.js';
import { field, h } from '../lib/ui.js';

const FIELD_OF = {
  invalid_email: 'email', email_taken: 'email', weak_password: 'password',
  invalid_password: 'password', invalid_name: 'name',
};

function wait(seconds) {
  const s = Math.max(1, Math.round(seconds));
  if (s < 90) return `${s} seconds`;
  const m = Math.ceil(s / 60);
  return m < 90 ? `${m} minutes` : `${Math.ceil(m / 60)} hours`;
}

function message(status, err, retryAfter, signup) {
  switch (err.code) {
    case 'invalid_credentials': return 'Wrong email or password.';
    case 'too_many_attempts': {
      const secs = Number(retryAfter) || Number((/(\d+) seconds/.exec(err.message) || [])[1]);
      return secs ? `Too many failed sign-ins for this email. Try again in ${wait(secs)}.` : 'Too many failed sign-ins for this email. Try again later.';
    }
    case 'email_taken': return 'An account with this email already exists.';
    case 'weak_password': return 'The password is too short: use at least 8 characters.';
    default:
      if (status === 0) return 'The server cannot be reached. Is it running?';
      if (status >= 500) return `The server had a problem (${err.message || status}). Try again in a moment.`;
      return err.message ? err.message[0].toUpperCase() + err.message.slice(1) : (signup ? 'Sign-up failed.' : 'Sign-in failed.');
  }
}

export default {
  title: 'Sign in',
  public: true,
  render(ctx) {
    const signup = ctx.path === '/signup';
    this.title = signup ? 'Create an account' : 'Sign in';
    const inputs = {
      name: signup ? h('input#name', { type: 'text', autocomplete: 'name', maxlength: 100 }) : null,
      email: h('input#email', { type: 'email', autocomplete: 'email', required: true, inputmode: 'email', spellcheck: 'false' }),
      password: h('input#password', { type: 'password', autocomplete: signup ? 'new-password' : 'current-password', required: true }),
    };
    const error = h('div.form-error', { role: 'alert', hidden: true });
    const button = h('button', { type: 'submit' }, signup ? 'Create account' : 'Sign in');

    const showError = (text, fieldName, extra) => {
      for (const el of Object.values(inputs)) el && el.removeAttribute('aria-invalid');
      error.replaceChildren(h('span', text), ...(extra ? [extra] : []));
      error.hidden = false;
      const el = fieldName && inputs[fieldName];
      if (el) {
        el.setAttribute('aria-invalid', 'true');
        el.setAttribute('aria-describedby', 'auth-error');
        el.focus();
      }
    };
    error.id = 'auth-error';

    const form = h('form.card.auth-form', { novalidate: true, 'aria-labelledby': 'auth-title', onsubmit: submit },
      h('h1#auth-title', signup ? 'Create your account' : 'Sign in'),
      h('p.muted', signup ? 'Track your practice, reviews and weak topics.' : 'Welcome back to MAANG Tracker.'),
      signup ? field('Name (optional)', inputs.name) : null,
      field('Email', inputs.email),
      field('Password', inputs.password, signup ? 'At least 8 characters.' : null),
      error,
      button,
      h('p.switch', signup ? 'Already have an account? ' : 'New here? ',
        h('a', { href: signup ? '#/signin' : '#/signup' }, signup ? 'Sign in' : 'Create an account')));

    async function submit(ev) {
      ev.preventDefault();
      const email = inputs.email.value.trim();
      const password = inputs.password.value;
      if (!email) return showError('Enter your email address.', 'email');
      if (!password) return showError('Enter your password.', 'password');
      const body = { email, password };
      if (signup && inputs.name.value.trim()) body.name = inputs.name.value.trim();
      button.disabled = true;
      const label = button.textContent;
      button.textContent = signup ? 'Creating account…' : 'Signing in…';
      let res, data;
      try {
        res = await fetch(`/api/v1/auth/${signup ? 'register' : 'login'}`, {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
        });
        data = await res.json().catch(() => null);
      } catch {
        res = { ok: false, status: 0, headers: new Headers() };
      }
      button.disabled = false;
      button.textContent = label;
      if (res.ok && data && data.token) {
        auth.set(data.token, data.user);
        signedIn();
        return;
      }
      const err = (data && data.error) || { code: `http_${res.status}`, message: res.statusText || '' };
      const text = message(res.status, err, res.headers.get('Retry-After'), signup);
      const extra = err.code === 'email_taken' ? h('span', ' ', h('a', { href: '#/signin' }, 'Sign in instead')) : null;
      showError(text, FIELD_OF[err.code] || (err.code === 'invalid_credentials' ? 'password' : null), extra);
    }

    return h('div.auth', form);
  },
};
