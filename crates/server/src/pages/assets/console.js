// clearcast room console: builds transcript segments from the text box and shows the findings
// the platform returns for them at once.
(function () {
  'use strict';
  var T = window.cc.T;
  var N = window.cc.name;
  var n = 0;
  window.cc.builders.transcript = function (form) {
    var started = Number(form.dataset.started) || Date.now();
    var body = { lang: form.querySelector('[name=lang]').value, segments: [] };
    var anchor = form.querySelector('[name=anchor_id]');
    if (anchor && anchor.value) body.anchor_id = anchor.value;
    n += 1;
    body.segments.push({
      id: 'page-' + Date.now().toString(36) + '-' + n,
      at_ms: Math.max(0, Date.now() - started),
      text: form.querySelector('[name=text]').value
    });
    return body;
  };
  document.addEventListener('cc:done', function (e) {
    if (!e.target.matches('[data-transcript]')) return;
    var list = document.querySelector('[data-findings]');
    list.innerHTML = '';
    var data = e.detail || {};
    var found = 0;
    (data.segments || []).forEach(function (s) {
      (s.findings || []).forEach(function (f) {
        found += 1;
        var li = document.createElement('li');
        if (f.severity === 'red') li.className = 'red';
        li.textContent = '「' + f.matched + '」 ' + N(f.label) + ' · ' + N(f.severity) + ' · ' + f.basis + ' → ' + f.suggestion;
        list.appendChild(li);
      });
    });
    (data.measures || []).forEach(function (m) {
      var li = document.createElement('li');
      li.className = 'red';
      li.textContent = T('处罚措施：', 'Measure: ') + N(m.kind) + ' · ' + m.facts;
      list.appendChild(li);
    });
    if (!found) {
      var ok = document.createElement('li');
      ok.textContent = T('未发现问题。', 'Nothing found.');
      list.appendChild(ok);
    }
    e.target.querySelector('[name=text]').value = '';
  });
})();
