// The reference hub page: a browser that never holds a service key. It asks "its backend" (/demo/hub/*) for a
// short-lived connect session and posts the link form to bitwarden-connect with that session token.
const PRESETS = {
  us: { apiBaseUrl: 'https://api.bitwarden.com', identityBaseUrl: 'https://identity.bitwarden.com' },
  eu: { apiBaseUrl: 'https://api.bitwarden.eu', identityBaseUrl: 'https://identity.bitwarden.eu' },
};
const $ = (id) => document.getElementById(id);

async function json(method, url, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(data && data.error ? data.error.message : `HTTP ${res.status}`);
  return data;
}

function applyPreset() {
  const region = $('region').value;
  $('base-row').hidden = region !== 'self-hosted';
  if (PRESETS[region]) {
    $('apiBaseUrl').value = PRESETS[region].apiBaseUrl;
    $('identityBaseUrl').value = PRESETS[region].identityBaseUrl;
  } else if ($('base').value) {
    const base = $('base').value.replace(/\/+$/, '');
    $('apiBaseUrl').value = `${base}/api`;
    $('identityBaseUrl').value = `${base}/identity`;
  }
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

async function refresh() {
  const { data } = await json('GET', '/demo/hub/accounts');
  const body = $('accounts').querySelector('tbody');
  body.replaceChildren();
  for (const a of data) {
    const tr = document.createElement('tr');
    tr.dataset.id = a.id;
    tr.append(cell(a.label || a.organizationId), cell(a.region));
    const status = document.createElement('td');
    const badge = document.createElement('span');
    badge.className = `badge ${a.status}`;
    badge.textContent = a.status.replace('_', ' ');
    status.append(badge);
    if (a.statusReason) {
      const r = document.createElement('span');
      r.className = 'reason';
      r.textContent = a.statusReason;
      status.append(r);
    }
    tr.append(status, cell(a.lastVerifiedAt ? new Date(a.lastVerifiedAt).toLocaleString() : '—'));
    const actions = document.createElement('td');
    const verify = document.createElement('button');
    verify.className = 'secondary verify';
    verify.textContent = 'Verify';
    verify.onclick = async () => { await json('POST', `/demo/hub/accounts/${a.id}/verify`); await refresh(); };
    const relink = document.createElement('button');
    relink.className = 'secondary relink';
    relink.textContent = 'Re-link';
    relink.onclick = () => startRelink(a);
    actions.append(verify, ' ', relink);
    tr.append(actions);
    body.append(tr);
  }
}

function startRelink(a) {
  $('relink-id').value = a.id;
  $('form-title').textContent = `Re-link ${a.label || a.organizationId}`;
  $('submit').textContent = 'Re-link';
  $('cancel').hidden = false;
  $('apiBaseUrl').value = a.apiBaseUrl;
  $('identityBaseUrl').value = a.identityBaseUrl;
  $('clientId').value = a.clientId;
  $('clientSecret').value = '';
  $('clientSecret').focus();
}

function resetForm() {
  $('relink-id').value = '';
  $('form-title').textContent = 'Link a Bitwarden organization';
  $('submit').textContent = 'Link';
  $('cancel').hidden = true;
  $('clientSecret').value = '';
}

async function submit(ev) {
  ev.preventDefault();
  $('form-error').textContent = '';
  const accountId = $('relink-id').value || undefined;
  const form = { apiBaseUrl: $('apiBaseUrl').value, identityBaseUrl: $('identityBaseUrl').value, clientId: $('clientId').value, clientSecret: $('clientSecret').value };
  try {
    const session = await json('POST', '/demo/hub/sessions', accountId ? { accountId } : {});
    if (accountId) await json('PUT', `/v1/accounts/${accountId}/credentials`, form, session.token);
    else await json('POST', '/v1/accounts', form, session.token);
    resetForm();
    $('clientId').value = '';
    await refresh();
  } catch (e) {
    $('form-error').textContent = e.message;
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('region').onchange = applyPreset;
  $('base').oninput = applyPreset;
  $('link-form').onsubmit = submit;
  $('cancel').onclick = resetForm;
  applyPreset();
  refresh();
});
