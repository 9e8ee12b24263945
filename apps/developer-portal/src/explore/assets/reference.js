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
    // Plain response bodies: the highlighter's colours are below 4.5:1 on its dark background.
    syntaxHighlight: { activated: false },
    onComplete: function () {
      label();
      if (root.getAttribute('data-authorise') === 'yes') authorise();
    },
  });

  // Swagger UI leaves some controls without a name and its code blocks out of the tab order;
  // they get both as they are rendered (operations render when opened).
  var NAMES = [
    ['select#servers', 'Server'],
    ['select.examples-select-element', 'Example'],
    ['select.content-type', 'Media type'],
    ['textarea.body-param__text', 'Request body'],
  ];
  // A <label> counts only with text of its own: the server selector's wraps the select alone.
  function named(el) {
    if (el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby')) return true;
    var labels = el.labels || [];
    for (var i = 0; i < labels.length; i++) {
      var text = labels[i].textContent;
      if (labels[i].contains(el)) text = text.replace(el.textContent, '');
      if (text.trim() !== '') return true;
    }
    return false;
  }
  function label() {
    NAMES.forEach(function (pair) {
      var found = root.querySelectorAll(pair[0]);
      for (var i = 0; i < found.length; i++)
        if (!named(found[i])) found[i].setAttribute('aria-label', pair[1]);
    });
    var params = root.querySelectorAll('tr[data-param-name]');
    for (var p = 0; p < params.length; p++) {
      var controls = params[p].querySelectorAll('input, select, textarea');
      for (var c = 0; c < controls.length; c++)
        if (!named(controls[c]))
          controls[c].setAttribute('aria-label', params[p].getAttribute('data-param-name'));
    }
    var blocks = root.querySelectorAll('pre');
    for (var b = 0; b < blocks.length; b++)
      if (!blocks[b].hasAttribute('tabindex')) blocks[b].setAttribute('tabindex', '0');
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
