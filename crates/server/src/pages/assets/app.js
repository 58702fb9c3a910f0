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
  // A rule's legal basis is written "中文 / English": the page shows its own language's half.
  window.cc.basis = function (b) {
    if (!b) return '';
    var i = b.indexOf(' / ');
    if (i < 0) return b;
    return lang === 'en' ? b.slice(i + 3) : b.slice(0, i);
  };
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
      // An empty number is left out (the API names the missing field) rather than sent as 0.
      if (v.trim() === '' && (t === 'int' || t === 'yuan')) return;
      if (t === 'int') v = Number(v);
      else if (t === 'yuan') v = Math.round(Number(v) * 100);
      else if (t === 'list') v = v.split(/[\s,，]+/).filter(Boolean);
      setPath(body, el.name, v);
    });
    return body;
  }

  // Numbers the API would misread: yuan with more than two decimals (a fen is the smallest
  // unit, and rounding silently would charge another amount), and text in a number field.
  function checkNumbers(form) {
    var bad = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      var t = el.dataset ? el.dataset.type : '';
      var v = (el.value || '').trim();
      if (!v || (t !== 'int' && t !== 'yuan')) return;
      if (t === 'int' && !/^-?\d+$/.test(v)) bad.push({ field: el.name, code: 'invalid', message: T('请填写整数', 'a whole number, please') });
      if (t === 'yuan' && !/^-?\d+(\.\d{1,2})?$/.test(v)) bad.push({ field: el.name, code: 'invalid', message: T('金额以元为单位，最多两位小数（到分）', 'an amount in yuan with at most two decimals (fen)') });
    });
    return bad;
  }

  // The words of a field: its label on the page, else its name.
  function fieldName(form, el, name) {
    var lab = el && el.id ? form.querySelector('label[for="' + el.id + '"]') : null;
    return lab ? lab.textContent.trim() : name;
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

  // A refusal in the page's words: a Chinese page says the problem code's sentence and keeps the
  // API's English detail under it (folded); field errors go next to their fields, by label.
  function showProblem(form, p, httpStatus) {
    var s = statusOf(form);
    s.className = 'form-status bad';
    s.textContent = '';
    var said = p && p.code ? names['problem:' + p.code] : null;
    if (said) {
      s.textContent = said;
      if (p.detail) {
        var d = document.createElement('details');
        var sum = document.createElement('summary');
        sum.textContent = T('详细说明', 'Details');
        d.appendChild(sum);
        d.appendChild(document.createTextNode(p.detail));
        s.appendChild(d);
      }
    } else if (p && p.detail) {
      s.textContent = p.detail;
    } else {
      s.textContent = T('请求失败：', 'Request failed: ') + httpStatus;
    }
    if (!p) return;
    (p.errors || []).forEach(function (e, i) {
      var el = form.querySelector('[name="' + e.field + '"]');
      var span = document.createElement('span');
      span.className = 'field-error';
      span.id = 'err-' + Math.random().toString(36).slice(2) + i;
      var why = names['field:' + e.code];
      span.textContent = fieldName(form, el, e.field) + T('：', ': ') + (why ? why + (why === e.message ? '' : '（' + e.message + '）') : e.message);
      if (el) { el.setAttribute('aria-invalid', 'true'); el.setAttribute('aria-describedby', span.id); el.after(span); }
      else { s.after(span); }
    });
    list(form, (p.unmet || []).map(function (u) {
      var x = u.unmet || u;
      return (x.message || x.code || '') + (x.article ? ' (' + x.article + ')' : '');
    }));
    list(form, (p.findings || []).map(function (f) {
      return '「' + f.matched + '」 ' + window.cc.name(f.label) + ' · ' + window.cc.basis(f.basis) + ' → ' + f.suggestion;
    }));
  }

  async function submit(form) {
    clear(form);
    var wrong = checkNumbers(form);
    if (wrong.length) { showProblem(form, { code: 'validation_failed', detail: '', errors: wrong }, 422); return; }
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
    if (f.matches && f.matches('form[data-api]')) {
      e.preventDefault();
      // A step that cannot be undone (ending a show) asks first.
      if (f.dataset.confirm && !window.confirm(f.dataset.confirm)) return;
      submit(f);
    }
  });
})();
