// clearcast live room: the show page's (and the anchor console's) connection to the live
// channel. Signed-in visitors take a one-time ticket first (the session cookie never opens a
// WebSocket); anonymous viewers just connect. Events update the sales ticker, the stock, the
// comments, notices and — for staff — the speech warnings; a newly pinned product reloads the
// pinned product and its disclosure card from the server's HTML.
(function () {
  'use strict';
  var root = document.querySelector('[data-live-show]');
  if (!root) return;
  var T = window.cc ? window.cc.T : function (zh) { return zh; };
  var N = window.cc ? window.cc.name : function (k) { return k; };
  var B = window.cc ? window.cc.basis : function (b) { return b; };
  var csrf = window.cc ? window.cc.csrf() : '';
  var showId = root.dataset.liveShow;
  // The connection line is hidden in the HTML: without scripts there is no connection to report.
  document.querySelectorAll('[data-live-line]').forEach(function (e) { e.hidden = false; });
  var ws = null;
  var ended = false;
  var delay = 1000;

  function set(sel, v) { document.querySelectorAll(sel).forEach(function (e) { e.textContent = v; }); }

  function prepend(listSel, text, cls, max) {
    var ul = document.querySelector(listSel);
    if (!ul) return null;
    var li = document.createElement('li');
    if (cls) li.className = cls;
    li.textContent = text;
    ul.prepend(li);
    while (ul.children.length > (max || 100)) ul.lastElementChild.remove();
    return li;
  }

  function counters(c) {
    if (!c) return;
    if (c.buyers !== undefined) set('[data-buyers]', c.buyers);
    if (c.viewers !== undefined) set('[data-viewers]', c.viewers);
    if (c.likes !== undefined) set('[data-likes]', c.likes);
  }

  function stock(s) { if (s && s.available !== undefined) set('[data-stock]', s.available); }

  function finding(f) {
    return '「' + f.matched + '」 ' + N(f.label) + ' · ' + N(f.severity) + ' · ' + B(f.basis) + ' → ' + f.suggestion;
  }

  // Why a comment was hidden: each rule once (a rule that matched twice is one reason, and the
  // event carries no matched words to tell the two apart).
  function reasons(findings) {
    var seen = {};
    return (findings || []).filter(function (f) {
      var k = f.rule || (f.label + '|' + f.basis);
      if (seen[k]) return false;
      seen[k] = true;
      return true;
    }).map(function (f) { return N(f.label) + ' · ' + B(f.basis); }).join('; ');
  }

  // A hidden comment goes to the room console's own list when the page has one, else among the
  // comments (its author sees it there, marked).
  function hidden(m) {
    var none = document.querySelector('[data-hidden-none]');
    if (none) none.remove();
    var list = document.querySelector('[data-hidden-comments]') ? '[data-hidden-comments]' : '[data-comments]';
    prepend(list, T('（已隐藏，仅发送者、直播间和平台可见）', '(hidden; only its author, the room and the platform see it) ') +
      m.text + ' — ' + reasons(m.findings), 'hidden');
  }

  async function refreshPinned() {
    var res = await fetch(location.pathname, { credentials: 'same-origin' });
    var doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    ['#pinned', '#disclosure'].forEach(function (id) {
      var fresh = doc.querySelector(id);
      var old = document.querySelector(id);
      if (fresh && old) old.replaceWith(fresh);
    });
  }

  // A measure that stopped the show: an operator's suspension (with the reason they gave) or a
  // penalty-ladder measure on the anchor or the room. Named in words, never by record ids.
  function measure(m) {
    var what = m.kind === 'suspension'
      ? T('平台运营暂停了本场直播', 'The platform suspended this show')
      : T('平台对', 'The platform took a measure on ') + N(m.subject && m.subject.indexOf('rop_') === 0 ? 'room_operator' : 'anchor') +
        T('采取了措施：', ': ') + N(m.kind);
    prepend('[data-notices]', what + (m.reason ? T('。理由：', '. Reason: ') + m.reason : '') +
      T('（《直播电商监督管理办法》第 12 条）', ' (Order 117 Art. 12)'));
    if (m.status === 'suspended') set('[data-status]', T('已被暂停', 'suspended'));
  }

  // A comment or like the channel refused (too fast, signed out, the show ended…): said next to
  // the comment box, in the page's words where the code has them.
  function refused(m) {
    var st = document.querySelector('[data-comment-form] .form-status');
    if (!st) return;
    var words = {
      rate_limited: T('发得太快了，请稍等几秒再发。', 'Too fast: wait a few seconds before sending again.'),
      sign_in_required: T('登录后才能评论和点赞。', 'Sign in to comment or like.'),
      signed_out: T('登录已失效，请刷新页面后重新登录。', 'Your sign-in has ended; reload the page and sign in again.'),
      regulator_read_only: T('监管账号只能查看，不能评论或点赞。', 'Regulator accounts read; they do not comment or like.'),
      show_not_live: T('直播已经结束，不能再评论。', 'The show is no longer live.')
    };
    st.className = 'form-status bad';
    st.textContent = words[m.code] || m.detail || m.code || T('未能发送。', 'Not sent.');
  }

  function handle(m) {
    switch (m.type) {
      case 'snapshot': counters(m.counters); stock(m.stock); set('[data-watching]', m.watching); break;
      case 'stock': stock(m); break;
      case 'sales': counters(m); break;
      case 'comment': prepend('[data-comments]', m.text); break;
      case 'comment_hidden': hidden(m); break;
      case 'warning':
        (m.findings || []).forEach(function (f) { prepend('[data-warnings]', finding(f), f.severity === 'red' ? 'red' : ''); });
        break;
      case 'pinned': refreshPinned(); break;
      case 'error': refused(m); break;
      case 'notice': prepend('[data-notices]', m.text); break;
      case 'measure': measure(m); break;
      case 'ended':
        ended = true;
        prepend('[data-notices]', T('直播已结束。', 'The show has ended.'));
        set('[data-status]', T('已结束', 'ended'));
        // Nothing is on sale any more: the pinned item's buy form goes, with a word why.
        var pinned = document.querySelector('#pinned');
        if (pinned) {
          pinned.querySelectorAll('form, [data-buy]').forEach(function (f) { f.remove(); });
          var p = document.createElement('p');
          p.className = 'muted';
          p.textContent = T('直播已结束，不能再下单。', 'The show has ended; no more orders.');
          pinned.appendChild(p);
        }
        break;
      default: break;
    }
  }

  async function url() {
    if (csrf) {
      try {
        var r = await fetch('/api/v1/shows/' + showId + '/live-ticket', {
          method: 'POST', credentials: 'same-origin', headers: { 'Accept': 'application/json', 'X-CSRF-Token': csrf }
        });
        if (r.ok) return (await r.json()).url;
      } catch (_) { /* fall back to watching anonymously */ }
    }
    return '/api/v1/shows/' + showId + '/live';
  }

  async function connect() {
    if (ended) return;
    var path = await url();
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path);
    ws.onopen = function () { delay = 1000; set('[data-live-state]', T('已连接', 'connected')); };
    ws.onmessage = function (ev) {
      var m;
      try { m = JSON.parse(ev.data); } catch (_) { return; }
      (Array.isArray(m) ? m : [m]).forEach(handle);
    };
    ws.onclose = function () {
      set('[data-live-state]', T('连接已断开', 'disconnected'));
      if (!ended) { setTimeout(connect, delay); delay = Math.min(delay * 2, 30000); }
    };
  }

  var form = document.querySelector('[data-comment-form]');
  if (form) {
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var input = form.querySelector('input[name=text]');
      var st = form.querySelector('.form-status');
      var say = function (t, bad) { if (st) { st.textContent = t; st.className = bad ? 'form-status bad' : 'form-status'; } };
      if (!input.value.trim()) { say(T('请先写点内容。', 'Write something first.'), true); return; }
      if (!ws || ws.readyState !== 1) { say(T('实时连接未就绪，请稍后再发。', 'Not connected yet; try again in a moment.'), true); return; }
      ws.send(JSON.stringify({ type: 'comment', text: input.value }));
      input.value = '';
      say('', false);
    });
  }
  var like = document.querySelector('[data-like]');
  if (like) like.addEventListener('click', function () { if (ws && ws.readyState === 1) ws.send('{"type":"like"}'); });

  connect();
})();
