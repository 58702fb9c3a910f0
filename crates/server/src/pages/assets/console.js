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
        li.textContent = '「' + f.matched + '」 ' + N(f.label) + ' · ' + N(f.severity) + ' · ' + window.cc.basis(f.basis) + ' → ' + f.suggestion;
        list.appendChild(li);
      });
    });
    // A measure is named with whom it is on; its facts, term and appeal form are on the console
    // page (in words), so the list links there instead of repeating the record's raw facts.
    (data.measures || []).forEach(function (m) {
      var li = document.createElement('li');
      li.className = 'red';
      var who = m.subject && m.subject.kind === 'room_operator' ? T('直播间运营者', 'the room operator') : T('主播', 'the anchor');
      li.appendChild(document.createTextNode(T('处罚措施：', 'Measure: ') + N(m.kind) + T('（对', ' (on ') + who +
        T('，', ', ') + m.points + T(' 分）。', ' points). ')));
      var a = document.createElement('a');
      a.href = '/console/room#mea-h';
      a.textContent = T('事实、期限和申诉', 'Facts, term and appeal');
      li.appendChild(a);
      list.appendChild(li);
    });
    if (!found) {
      var ok = document.createElement('li');
      ok.textContent = T('未发现问题。', 'Nothing found.');
      list.appendChild(ok);
    }
    // "Done" in green above a list of serious findings would say the opposite of the list.
    var st = e.target.querySelector('.form-status');
    if (st) {
      st.className = found ? 'form-status bad' : 'form-status ok';
      st.textContent = found
        ? T('已发送；发现 ' + found + ' 处问题，见下方。', 'Sent; ' + found + ' finding(s), listed below.')
        : T('已发送，未发现问题。', 'Sent; nothing found.');
    }
    e.target.querySelector('[name=text]').value = '';
  });
})();
