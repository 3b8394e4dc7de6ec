// The reference hub page. The browser never holds a service key: "its backend" (/demo/hub/*) creates a short-lived
// connect session, and this page hands the token to connect.js, which opens the hosted Connect page in a popup.
'use strict';
const $ = (id) => document.getElementById(id);

async function hub(method, url, body) {
  const res = await fetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new Error(data && data.error ? data.error.message : `The hub backend answered ${res.status}.`);
  return data;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function say(message, error = '') {
  $('message').textContent = message;
  $('error').textContent = error;
}

/** Runs `fn` with `button` busy; a second press while it runs does nothing. Errors are shown, never thrown. */
async function busy(button, busyText, fn) {
  if (button.getAttribute('aria-disabled') === 'true') return;
  const text = button.textContent;
  button.setAttribute('aria-disabled', 'true');
  button.textContent = busyText;
  try {
    await fn();
  } catch (e) {
    say('', e && e.message ? e.message : String(e));
  } finally {
    button.removeAttribute('aria-disabled');
    button.textContent = text;
  }
}

function statusCell(a) {
  const td = document.createElement('td');
  const badge = document.createElement('span');
  badge.className = `badge ${a.status}`;
  badge.textContent = a.status.replace('_', ' ');
  td.append(badge);
  // The person-readable sentence, not the code: it says what to do next.
  if (a.lastError && a.status !== 'active') {
    const r = document.createElement('span');
    r.className = 'reason';
    r.textContent = a.lastError.message;
    td.append(r);
  }
  return td;
}

function row(a) {
  const tr = document.createElement('tr');
  tr.dataset.id = a.id;
  tr.append(cell(a.label || a.organizationId), cell(a.region), statusCell(a), cell(when(a.lastVerifiedAt)), cell('nextCheckAt' in a ? when(a.nextCheckAt) : '—'));
  const actions = document.createElement('td');
  actions.className = 'actions';
  const verify = document.createElement('button');
  verify.type = 'button';
  verify.className = 'secondary verify';
  verify.textContent = 'Verify';
  verify.setAttribute('aria-label', `Verify ${a.label || a.organizationId}`);
  verify.addEventListener('click', () =>
    busy(verify, 'Verifying…', async () => {
      const updated = await hub('POST', `/demo/hub/accounts/${a.id}/verify`);
      say(`${updated.label || updated.organizationId}: ${updated.status.replace('_', ' ')}.`);
      await refresh();
    }),
  );
  const relink = document.createElement('button');
  relink.type = 'button';
  relink.className = 'secondary relink';
  relink.textContent = 'Re-link';
  relink.setAttribute('aria-label', `Re-link ${a.label || a.organizationId}`);
  relink.addEventListener('click', () => connect(relink, a.id));
  actions.append(verify, ' ', relink);
  tr.append(actions);
  return tr;
}

async function refresh() {
  const { ownerId, data } = await hub('GET', '/demo/hub/accounts');
  $('owner').textContent = ownerId;
  $('accounts').querySelector('tbody').replaceChildren(...data.map(row));
  $('empty').hidden = data.length > 0;
}

// The hub side of the flow: session from our backend, then connect.js; the popup must open within the click's
// user activation, so the session request comes first and fast.
function connect(button, accountId) {
  return busy(button, 'Waiting for Bitwarden…', async () => {
    say('');
    const session = await hub('POST', '/demo/hub/sessions', accountId ? { accountId } : {});
    try {
      const account = await window.BitwardenConnect.open({ sessionToken: session.token });
      say(`${account.label || account.organizationId} is ${accountId ? 're-linked' : 'connected'}.`);
    } catch (e) {
      if (e && e.code === 'closed') say('The Connect window was closed; nothing changed.');
      else if (e && e.code === 'blocked') say('', 'Your browser blocked the Connect window. Allow pop-ups for this page and try again.');
      else throw e;
    }
    await refresh();
  });
}

document.addEventListener('DOMContentLoaded', () => {
  $('connect').addEventListener('click', () => connect($('connect')));
  refresh().catch((e) => say('', e.message));
});
