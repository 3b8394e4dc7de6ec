// bitwarden-connect's embedding script for hub pages:
//   <script src="{PUBLIC_URL}/connect.js"></script>
//   BitwardenConnect.open({ sessionToken }).then((account) => ..., (err) => err.code === 'closed' | 'blocked')
// Call open() straight from a click handler (or within a few seconds of one), or the browser blocks the popup.
(function () {
  'use strict';
  var LINKED = 'bitwarden-connect:linked';
  var PUBLIC_URL = '{{PUBLIC_URL}}'; // filled in by the service
  var script = document.currentScript;
  // The service is wherever this script came from: {base}/connect.js, so its page is {base}/connect, path prefix and
  // all (PUBLIC_URL where the browser cannot tell). Only that origin's page can report a linked account.
  var BASE = script && script.src ? new URL('.', script.src) : new URL(PUBLIC_URL + '/');
  var PAGE = new URL('connect', BASE).href;
  var SERVICE = BASE.origin;

  function fail(code, message) {
    var e = new Error(message);
    e.code = code;
    return e;
  }

  function open(options) {
    var token = options && options.sessionToken;
    return new Promise(function (resolve, reject) {
      if (typeof token !== 'string' || !token) return reject(fail('invalid_session', 'BitwardenConnect.open needs { sessionToken }.'));
      var url = PAGE + '#session=' + encodeURIComponent(token) + '&origin=' + encodeURIComponent(location.origin);
      var w = 520;
      var h = 760;
      var left = Math.max(0, (window.screenX || 0) + ((window.outerWidth || w) - w) / 2);
      var top = Math.max(0, (window.screenY || 0) + ((window.outerHeight || h) - h) / 2);
      var popup = null;
      try {
        popup = window.open(url, 'bitwarden-connect', 'popup=yes,width=' + w + ',height=' + h + ',left=' + left + ',top=' + top);
      } catch (_) {
        popup = null;
      }
      if (!popup) return reject(fail('blocked', 'The browser blocked the Bitwarden Connect window. Allow pop-ups for this site and try again.'));
      try { popup.focus(); } catch (_) { /* another browsing context group: nothing to focus */ }

      var settled = false;
      function finish() {
        settled = true;
        window.removeEventListener('message', onMessage);
        clearInterval(poll);
      }
      function onMessage(ev) {
        if (settled || ev.origin !== SERVICE || ev.source !== popup) return;
        var data = ev.data;
        if (!data || data.type !== LINKED || !data.account || typeof data.account.id !== 'string') return;
        finish();
        resolve(data.account);
      }
      window.addEventListener('message', onMessage);
      var poll = setInterval(function () {
        if (settled || !popup.closed) return;
        // The page posts and then closes: give a message already on its way the chance to arrive first.
        clearInterval(poll);
        setTimeout(function () {
          if (settled) return;
          finish();
          reject(fail('closed', 'The Bitwarden Connect window was closed before an organization was connected.'));
        }, 300);
      }, 250);
    });
  }

  window.BitwardenConnect = { open: open };
})();
