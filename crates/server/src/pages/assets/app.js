// clearcast pages: forms that talk to the JSON API.
//
// A form with `data-api="/api/v1/…"` is sent as JSON (fields named `a.b` become nested objects;
// `data-type="int"` numbers, `"yuan"` yuan to fen, `"list"` comma or space separated lists) with
// the session cookie and the page's CSRF token. On success it shows `data-ok`, then follows
// `data-then` (`reload`, or `go:/path`); on a refusal it shows the problem's reason, puts each
// field error next to its field, and lists unmet requirements and speech findings.
(function () {
  'use strict';
  var meta = function (n) { var m = document.querySelector('meta[name="' + n + '"]'); return m ? m.content : ''; };
  var lang = meta('lang') || 'zh';
  var T = function (zh, en) { return lang === 'en' ? en : zh; };
  window.cc = window.cc || {};
  window.cc.T = T;
  // Words for the API's keys (speech labels, severities, measures), in the page language.
  var names = {};
  try { names = JSON.parse(meta('names') || '{}'); } catch (e) { names = {}; }
  window.cc.name = function (k) { return names[k] || k; };
  window.cc.csrf = function () { return meta('csrf-token'); };
  window.cc.builders = window.cc.builders || {};

  function setPath(obj, path, value) {
    var parts = path.split('.');
    var o = obj;
    for (var i = 0; i < parts.length - 1; i++) { o = o[parts[i]] = o[parts[i]] || {}; }
    o[parts[parts.length - 1]] = value;
  }

  function collect(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === 'submit' || el.type === 'button') return;
      if (el.type === 'radio' && !el.checked) return;
      var v = el.value;
      var t = el.dataset.type;
      if (el.type === 'checkbox') { if (t === 'bool') { setPath(body, el.name, el.checked); } else if (el.checked) { setPath(body, el.name, v); } return; }
      if (v === '' && el.dataset.optional !== undefined) return;
      if (t === 'int') v = Number(v);
      else if (t === 'yuan') v = Math.round(Number(v) * 100);
      else if (t === 'list') v = v.split(/[\s,，]+/).filter(Boolean);
      setPath(body, el.name, v);
    });
    return body;
  }

  function clear(form) {
    form.querySelectorAll('.field-error, .problem-list').forEach(function (e) { e.remove(); });
    form.querySelectorAll('[aria-invalid]').forEach(function (e) { e.removeAttribute('aria-invalid'); e.removeAttribute('aria-describedby'); });
  }

  function statusOf(form) {
    var s = form.querySelector('.form-status');
    if (!s) { s = document.createElement('p'); s.className = 'form-status'; s.setAttribute('role', 'status'); form.appendChild(s); }
    return s;
  }

  function list(form, items) {
    if (!items.length) return;
    var ul = document.createElement('ul');
    ul.className = 'problem-list findings';
    items.forEach(function (text) { var li = document.createElement('li'); li.textContent = text; ul.appendChild(li); });
    statusOf(form).after(ul);
  }

  function showProblem(form, p, httpStatus) {
    var s = statusOf(form);
    s.className = 'form-status bad';
    s.textContent = (p && p.detail) ? p.detail + (p.code ? ' (' + p.code + ')' : '') : T('请求失败：', 'Request failed: ') + httpStatus;
    if (!p) return;
    (p.errors || []).forEach(function (e, i) {
      var el = form.querySelector('[name="' + e.field + '"]');
      var span = document.createElement('span');
      span.className = 'field-error';
      span.id = 'err-' + Math.random().toString(36).slice(2) + i;
      span.textContent = e.field + ': ' + e.message;
      if (el) { el.setAttribute('aria-invalid', 'true'); el.setAttribute('aria-describedby', span.id); el.after(span); }
      else { s.after(span); }
    });
    list(form, (p.unmet || []).map(function (u) { return JSON.stringify(u.reasons || u); }));
    list(form, (p.findings || []).map(function (f) { return '「' + f.matched + '」 ' + f.label + ' · ' + f.basis + ' → ' + f.suggestion; }));
  }

  async function submit(form) {
    clear(form);
    var method = (form.dataset.method || 'POST').toUpperCase();
    var headers = { 'Accept': 'application/json', 'X-CSRF-Token': window.cc.csrf() };
    var body;
    if (method !== 'GET' && method !== 'DELETE') {
      var build = window.cc.builders[form.dataset.build || ''];
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(build ? build(form) : collect(form));
    }
    if (form.dataset.idempotency) headers['Idempotency-Key'] = form.dataset.idempotency;
    var buttons = form.querySelectorAll('button');
    buttons.forEach(function (b) { b.disabled = true; });
    var s = statusOf(form);
    s.className = 'form-status';
    s.textContent = T('提交中…', 'Sending…');
    try {
      var res = await fetch(form.dataset.api, { method: method, headers: headers, body: body, credentials: 'same-origin' });
      var text = await res.text();
      var data = null;
      try { data = JSON.parse(text); } catch (_) { /* not JSON */ }
      if (res.ok) {
        s.className = 'form-status ok';
        s.textContent = form.dataset.ok || T('已完成。', 'Done.');
        form.dispatchEvent(new CustomEvent('cc:done', { detail: data, bubbles: true }));
        var then = form.dataset.then || '';
        if (then === 'reload') location.reload();
        else if (then.indexOf('go:') === 0) location.href = then.slice(3);
      } else {
        showProblem(form, data, res.status);
        form.dispatchEvent(new CustomEvent('cc:refused', { detail: data, bubbles: true }));
      }
    } catch (err) {
      s.className = 'form-status bad';
      s.textContent = T('网络错误：', 'Network error: ') + err;
    } finally {
      buttons.forEach(function (b) { b.disabled = false; });
    }
  }

  document.addEventListener('submit', function (e) {
    var f = e.target;
    if (f.matches && f.matches('form[data-api]')) { e.preventDefault(); submit(f); }
  });
})();
