/* global window, document */
/*
 * The reference page's Swagger UI (a file: the CSP allows no inline script). Try it out is
 * authorised with a short-lived sandbox token of the developer's app, fetched from the portal
 * (same origin, the session cookie and the page's CSRF token) and renewed before it expires;
 * it lives in this page's memory only (no storage, no persistAuthorization).
 */
(function () {
  'use strict';
  var root = document.getElementById('swagger-ui');
  if (!root || typeof window.SwaggerUIBundle !== 'function') return;
  var status = document.getElementById('token-status');
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var timer = null;

  function say(text) {
    if (status) status.textContent = text;
  }

  function clock(iso) {
    var d = new Date(iso);
    return d.toISOString().slice(11, 16) + ' UTC';
  }

  var ui = window.SwaggerUIBundle({
    domNode: root,
    url: root.getAttribute('data-spec-url'),
    deepLinking: false,
    // No call to the public validator: the CSP would refuse it, and the documents are linted.
    validatorUrl: null,
    persistAuthorization: false,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
    docExpansion: 'list',
    onComplete: function () {
      label();
      if (root.getAttribute('data-authorise') === 'yes') authorise();
    },
  });

  // Swagger UI's server selector has no accessible name; it gets one (and again after renders).
  function label() {
    var selects = root.querySelectorAll('select#servers:not([aria-label])');
    for (var i = 0; i < selects.length; i++) selects[i].setAttribute('aria-label', 'Server');
  }
  new window.MutationObserver(label).observe(root, { childList: true, subtree: true });

  function authorise() {
    if (timer) clearTimeout(timer);
    fetch(root.getAttribute('data-token-url'), {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: {
        Accept: 'application/json',
        'X-CSRF-Token': csrf ? csrf.getAttribute('content') : '',
      },
    })
      .then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) throw new Error(body && body.detail ? body.detail : 'HTTP ' + res.status);
          return body;
        });
      })
      .then(function (token) {
        ui.preauthorizeApiKey('bearer', token.access_token);
        say(
          'Try it out is authorised with a sandbox token of ' +
            token.app.name +
            ' (' +
            token.app.clientId +
            '), valid until ' +
            clock(token.expires_at) +
            '; it is renewed before then.',
        );
        // Renewed half a minute before it expires, while the page is open.
        timer = setTimeout(authorise, Math.max(10, token.expires_in - 30) * 1000);
      })
      .catch(function (err) {
        say('Try it out is not authorised: ' + err.message + ' Reload the page to try again.');
      });
  }
})();
