// The hosted Connect page. The session token arrives in the URL fragment (never sent to any server), is taken out
// of the address bar at once, and is the page's only credential: it can link one account for its owner, or re-link
// the one account it was made for.
'use strict';
(function () {
  var CLOUD = {
    us: { apiBaseUrl: 'https://api.bitwarden.com', identityBaseUrl: 'https://identity.bitwarden.com' },
    eu: { apiBaseUrl: 'https://api.bitwarden.eu', identityBaseUrl: 'https://identity.bitwarden.eu' },
  };
  var LINKED = 'bitwarden-connect:linked';
  // The service's base URL, PUBLIC_URL as the browser reached it: this script is {base}/connect/page.js. API paths
  // are resolved against it, so a service published under a path prefix keeps its calls inside that prefix.
  var SCRIPT = document.currentScript;
  var BASE = SCRIPT && SCRIPT.src ? new URL('../', SCRIPT.src) : new URL('.', location.href);
  var $ = function (id) { return document.getElementById(id); };

  // Where each API field's problem is shown. URL fields go to the region choice or the server URL, wherever the
  // customer actually entered them.
  var FIELD_LABELS = { clientId: 'Client ID', clientSecret: 'Client secret', label: 'Name', apiBaseUrl: 'Server URL', identityBaseUrl: 'Server URL' };
  var ERROR_SLOTS = {
    region: { box: 'region-error', input: null },
    server: { box: 'server-error', input: 'server-url' },
    clientId: { box: 'client-id-error', input: 'client-id' },
    clientSecret: { box: 'client-secret-error', input: 'client-secret' },
    label: { box: 'label-error', input: 'label' },
  };

  var token = null;
  var openerOrigin = null;
  var session = null;
  var editing = null; // the account being re-linked
  var busy = false;

  function readFragment() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ''));
    token = params.get('session');
    openerOrigin = params.get('origin');
    // Out of the address bar, the history and anything a screenshot or a shared screen could show.
    history.replaceState(null, '', location.pathname);
  }

  function show(id) {
    var screens = document.querySelectorAll('main > section');
    for (var i = 0; i < screens.length; i++) screens[i].hidden = screens[i].id !== id;
    var heading = $(id).querySelector('h1');
    if (heading) heading.focus();
  }

  function ApiError(status, body) {
    var e = (body && body.error) || {};
    this.status = status;
    this.code = e.code || 'unknown';
    this.message = e.message || 'The service answered with an unexpected error. Please try again.';
    this.fields = e.fields || null;
  }

  function call(method, path, body, extraHeaders) {
    var headers = { authorization: 'Bearer ' + token, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    for (var k in extraHeaders || {}) headers[k] = extraHeaders[k];
    return fetch(new URL(path, BASE).href, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' })
      .catch(function () {
        throw new ApiError(0, { error: { message: 'The service could not be reached. Check your connection and try again.' } });
      })
      .then(function (res) {
        return res.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
          if (!res.ok) throw new ApiError(res.status, data);
          return data;
        });
      });
  }

  function region() {
    var checked = document.querySelector('input[name="region"]:checked');
    return checked ? checked.value : 'us';
  }

  function setRegion(value) {
    var radio = $('region-' + value);
    if (radio) radio.checked = true;
    $('server-row').hidden = region() !== 'self-hosted';
  }

  function serverBase() {
    return $('server-url').value.trim().replace(/\/+$/, '');
  }

  function urls() {
    if (CLOUD[region()]) return CLOUD[region()];
    var base = serverBase();
    return { apiBaseUrl: base + '/api', identityBaseUrl: base + '/identity' };
  }

  // The server URL a self-hosted account was linked with (the region rules put /api and /identity below it).
  function baseOf(account) {
    return account.apiBaseUrl.replace(/\/api$/, '');
  }

  function clearErrors() {
    for (var k in ERROR_SLOTS) {
      $(ERROR_SLOTS[k].box).textContent = '';
      if (ERROR_SLOTS[k].input) $(ERROR_SLOTS[k].input).removeAttribute('aria-invalid');
    }
    $('form-error').textContent = '';
  }

  function slotFor(field) {
    if (field === 'apiBaseUrl' || field === 'identityBaseUrl') return region() === 'self-hosted' ? 'server' : 'region';
    return ERROR_SLOTS[field] ? field : null;
  }

  // One place affected: the API's own sentence says it best. Several: each field's problem, named.
  function showError(err) {
    var bySlot = {};
    var names = err.fields ? Object.keys(err.fields) : [];
    var unplaced = false;
    names.forEach(function (f) {
      var slot = slotFor(f);
      if (!slot) { unplaced = true; return; }
      (bySlot[slot] = bySlot[slot] || []).push(f);
    });
    var slots = Object.keys(bySlot);
    if (!slots.length || unplaced) $('form-error').textContent = err.message;
    slots.forEach(function (slot) {
      var text = slots.length === 1 && !unplaced
        ? err.message
        : bySlot[slot].map(function (f) { return (FIELD_LABELS[f] || 'This field') + ' ' + err.fields[f] + '.'; }).filter(function (t, i, all) { return all.indexOf(t) === i; }).join(' ');
      $(ERROR_SLOTS[slot].box).textContent = text;
      if (ERROR_SLOTS[slot].input) $(ERROR_SLOTS[slot].input).setAttribute('aria-invalid', 'true');
    });
    var first = slots.length ? ERROR_SLOTS[slots[0]].input || 'region-' + region() : null;
    if (first) $(first).focus();
  }

  // Checks that need no round trip, phrased like the API's.
  function localProblems() {
    var problems = {};
    if (region() === 'self-hosted') {
      var base = serverBase();
      if (!base) problems.apiBaseUrl = 'is required for a self-hosted server';
      else if (!/^https?:\/\/[^/\s]+/i.test(base)) problems.apiBaseUrl = 'must start with https://';
    }
    if (!$('client-id').value.trim()) problems.clientId = 'is required';
    if (!$('client-secret').value) problems.clientSecret = 'is required';
    return Object.keys(problems).length ? problems : null;
  }

  function setBusy(on) {
    busy = on;
    var button = $('submit');
    button.setAttribute('aria-disabled', on ? 'true' : 'false');
    button.textContent = on ? (editing ? 'Checking the new key…' : 'Connecting…') : editing ? 'Update API key' : 'Connect';
    $('connect-form').setAttribute('aria-busy', on ? 'true' : 'false');
    $('busy-status').textContent = on ? 'Checking the key with Bitwarden. This takes a few seconds.' : '';
  }

  function submit(ev) {
    ev.preventDefault();
    if (busy) return; // a second click while a call runs sends nothing
    clearErrors();
    var local = localProblems();
    if (local) {
      var message = local.apiBaseUrl ? 'Please enter your server URL.' : 'Please fill in the client ID and secret.';
      showError({ message: Object.keys(local).length > 1 ? 'Some fields need your attention.' : message, fields: local });
      return;
    }
    var u = urls();
    var body = { apiBaseUrl: u.apiBaseUrl, identityBaseUrl: u.identityBaseUrl, clientId: $('client-id').value.trim(), clientSecret: $('client-secret').value };
    var request;
    // One key per submit: a retried network request is answered once; a new click is a new attempt.
    var headers = { 'idempotency-key': crypto.randomUUID() };
    if (editing) {
      request = call('PUT', 'v1/accounts/' + encodeURIComponent(editing.id) + '/credentials', body, headers);
    } else {
      var label = $('label').value.trim();
      body.label = label ? label : null;
      request = call('POST', 'v1/accounts', body, headers);
    }
    setBusy(true);
    request.then(done, function (err) {
      setBusy(false);
      if (err.status === 401) return show('screen-expired');
      showError(err);
    });
  }

  function done(account) {
    $('client-secret').value = '';
    var name = account.label || account.organizationId;
    var allowed = session.allowedOrigins || [];
    if (openerOrigin && allowed.indexOf(openerOrigin) !== -1 && window.opener && !window.opener.closed) {
      // Only to the origin the hub named and the operator allowed: the Account goes nowhere else.
      window.opener.postMessage({ type: LINKED, account: account }, openerOrigin);
      $('done-message').textContent = name + ' is connected. This window closes by itself.';
      show('screen-done');
      setTimeout(function () { window.close(); }, 150);
      return;
    }
    if (session.returnUrl) {
      var target = new URL(session.returnUrl);
      target.searchParams.set('bitwarden_connect', 'linked');
      target.searchParams.set('accountId', account.id);
      location.assign(target.href);
      return;
    }
    setBusy(false);
    $('done-message').textContent = name + ' is connected' + (editing ? ' with its new API key.' : '.');
    show('screen-done');
  }

  function startEdit(account) {
    editing = account;
    var name = account.label || account.organizationId;
    $('form-title').textContent = 'Update the Bitwarden API key';
    $('relink-name').textContent = name;
    $('relink-intro').hidden = false;
    $('label-row').hidden = true;
    setRegion(account.region);
    if (account.region === 'self-hosted') $('server-url').value = baseOf(account);
    $('client-id').value = account.clientId;
    setBusy(false);
  }

  function failed(err) {
    if (err.status === 401) return show('screen-expired');
    $('failed-message').textContent = err.message;
    show('screen-failed');
  }

  function start() {
    readFragment();
    if (!token) return show('screen-missing');
    var radios = document.querySelectorAll('input[name="region"]');
    for (var i = 0; i < radios.length; i++) radios[i].addEventListener('change', function () { setRegion(region()); });
    $('connect-form').addEventListener('submit', submit);
    call('GET', 'v1/connect-sessions/current')
      .then(function (s) {
        session = s;
        if (!s.accountId) {
          if (s.label) $('label').value = s.label;
          setBusy(false);
          return show('screen-form');
        }
        return call('GET', 'v1/accounts/' + encodeURIComponent(s.accountId)).then(function (account) {
          startEdit(account);
          show('screen-form');
        });
      })
      .catch(failed);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
