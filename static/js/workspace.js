/* The live data-point workspace: one WebSocket to ws/datapoints/<id>/ (tasks/consumers.py).
   Shows who is here, annotation changes as they happen (also drawn on the plotly
   timeline), the discussion, findings, soft locks and a shared playhead. Writes go
   through the REST API (annotations) or the socket (comments), i.e. the services. */
(function () {
  "use strict";

  var root = document.getElementById("workspace");
  if (!root) return;
  var offsets = JSON.parse(document.getElementById("workspace-offsets").textContent);
  var statusEl = document.getElementById("ws-status");
  var socket = null;
  var retry = 0;
  var heartbeat = null;
  var presence = {}; // connection -> person view

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  function fmt(ms) { return ms === null || ms === undefined ? "item" : (ms / 1000).toFixed(2) + " s"; }

  function masterSpan(a) {
    var offset = offsets[a.stream] || 0;
    if (a.start_ms === null || a.start_ms === undefined) return [null, null];
    var end = a.end_ms === null || a.end_ms === undefined ? a.start_ms : a.end_ms;
    return [a.start_ms + offset, end + offset];
  }

  /* ---- presence ---- */
  function renderPresence() {
    var list = document.getElementById("ws-presence");
    list.textContent = "";
    var seen = {};
    Object.keys(presence).forEach(function (key) {
      var p = presence[key];
      var id = p.name + "|" + p.modality;
      if (seen[id]) return;
      seen[id] = true;
      var item = el("li", { "data-person": p.name }, p.name + (p.me ? " (you)" : ""));
      item.appendChild(el("span", { class: "chip chip--" + p.modality.split(",")[0] }, p.modality));
      list.appendChild(item);
    });
  }

  /* ---- live changes + timeline ---- */
  function addToTimeline(a) {
    var target = document.getElementById("timeline");
    if (!target || !window.Plotly || !target.data) return;
    var span = masterSpan(a);
    if (span[0] === null) return;
    var row = -1, index = 0;
    target.data.forEach(function (trace) {
      if (trace.meta && trace.meta.placement === "interval" && !trace.meta.live) {
        if (trace.meta.stream === a.stream) row = index;
        index += 1;
      }
    });
    if (row < 0) return;
    window.Plotly.addTraces(target, {
      type: "bar", orientation: "h", y: [row], base: [span[0]], x: [Math.max(span[1] - span[0], 1)],
      width: 0.5, customdata: [a.id], showlegend: false, name: a.stream,
      meta: { stream: a.stream, placement: "interval", live: true },
      hovertext: [a.label + " (" + a.annotator + ", live)"], hovertemplate: "%{hovertext}<extra></extra>",
      marker: { color: "#e8590c", line: { color: "#ffffff", width: 1 } },
    });
  }

  function showChange(event, a) {
    var list = document.getElementById("ws-changes");
    var span = masterSpan(a);
    var verb = { "annotation.created": "added", "annotation.updated": "changed", "annotation.deleted": "removed" }[event];
    var text = a.annotator + " " + verb + " " + a.kind + " “" + a.label + "” on " + a.stream +
      (span[0] === null ? "" : " at " + fmt(span[0]) + "–" + fmt(span[1]));
    var item = el("li", { "data-annotation-id": String(a.id), "data-event": event }, text);
    list.insertBefore(item, list.firstChild);
    if (event === "annotation.created") addToTimeline(a);
  }

  /* ---- locks ---- */
  var locks = {};
  function renderLocks() {
    var list = document.getElementById("ws-locks");
    list.textContent = "";
    var now = Date.now();
    Object.keys(locks).forEach(function (id) {
      var lock = locks[id];
      if (Date.parse(lock.expires_at) < now) { delete locks[id]; return; }
      list.appendChild(el("li", { "data-lock": id }, lock.holder + " is editing annotation #" + id));
    });
  }

  /* ---- comments ---- */
  function showComment(c) {
    var list = document.getElementById("ws-comments");
    var item = el("li", { "data-comment-id": String(c.id) });
    item.appendChild(el("strong", {}, c.author + (c.mine ? " (you)" : "")));
    item.appendChild(el("span", { class: "muted small" }, " " + new Date(c.created_at).toLocaleTimeString()));
    item.appendChild(el("p", {}, c.body));
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  /* ---- findings ---- */
  function showFinding(f) {
    var list = document.getElementById("ws-findings");
    var empty = list.querySelector("[data-empty]");
    if (empty) empty.remove();
    var existing = list.querySelector('[data-finding-id="' + f.id + '"]');
    var item = existing || el("li", { "data-finding-id": String(f.id) });
    item.textContent = "";
    item.appendChild(el("span", { class: "badge badge--" + f.severity }, f.severity));
    item.appendChild(document.createTextNode(" " + f.check + ": " + f.message + " "));
    item.appendChild(el("span", { class: "muted small", "data-status": f.status }, f.status));
    if (!existing) list.appendChild(item);
  }

  function resolveFindings(ids, status) {
    ids.forEach(function (id) {
      var badge = document.querySelector('[data-finding-id="' + id + '"] [data-status]');
      if (badge) { badge.textContent = status; badge.dataset.status = status; }
    });
  }

  function loadFindings() {
    fetch(root.dataset.apiFindings, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (body) {
        var rows = body.results || body;
        var list = document.getElementById("ws-findings");
        list.textContent = "";
        if (!rows.length) list.appendChild(el("li", { class: "muted small", "data-empty": "" }, "No findings."));
        rows.forEach(showFinding);
      })
      .catch(function () {});
  }

  /* ---- playhead ---- */
  function showPlayhead(p) {
    var note = document.getElementById("ws-playhead");
    note.hidden = false;
    note.textContent = p.by + " asks you to look at " + fmt(p.master_ms) + " ";
    var target = document.getElementById("timeline");
    if (target && window.Plotly && target.layout) {
      var shapes = (target.layout.shapes || []).filter(function (s) { return s.name !== "playhead"; });
      shapes.push({ type: "line", name: "playhead", xref: "x", yref: "paper", x0: p.master_ms, x1: p.master_ms,
        y0: 0, y1: 1, line: { color: "#e8590c", width: 2, dash: "dot" } });
      window.Plotly.relayout(target, { shapes: shapes });
    }
  }

  /* ---- the socket ---- */
  var handlers = {
    "hello": function (p) {
      presence = {};
      p.present.forEach(function (x) { presence[x.connection] = x; });
      presence[p.me.connection] = p.me;
      renderPresence();
      document.getElementById("ws-comments").textContent = "";
      p.comments.forEach(showComment);
      locks = {};
      p.locks.forEach(function (l) { locks[l.annotation] = l; });
      renderLocks();
      setStatus("live", "Live");
    },
    "presence.joined": function (p) { presence[p.connection] = p; renderPresence(); },
    "presence.left": function (p) { delete presence[p.connection]; renderPresence(); },
    "annotation.created": function (p) { showChange("annotation.created", p); },
    "annotation.updated": function (p) { showChange("annotation.updated", p); },
    "annotation.deleted": function (p) { showChange("annotation.deleted", p); },
    "comment.created": showComment,
    "lock.acquired": function (p) { locks[p.annotation] = p; renderLocks(); },
    "lock.released": function (p) { delete locks[p.annotation]; renderLocks(); },
    "playhead.moved": showPlayhead,
    "finding.created": function (p) { p.findings.forEach(showFinding); },
    "finding.resolved": function (p) { resolveFindings(p.findings, p.status); },
    "error": function (p) { setStatus("live", "Live · " + p.message); },
  };

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + root.dataset.wsPath);
    socket.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      var handler = handlers[frame.type];
      if (handler) handler(frame.payload);
    };
    socket.onopen = function () {
      retry = 0;
      heartbeat = window.setInterval(function () { send({ type: "ping" }); renderLocks(); }, 30000);
    };
    socket.onclose = function (event) {
      window.clearInterval(heartbeat);
      if (event.code === 4403 || event.code === 4404) {
        setStatus("closed", "Not available: sign in again or check your access.");
        return;
      }
      setStatus("reconnecting", "Reconnecting…");
      retry = Math.min(retry + 1, 6);
      window.setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }

  /* ---- forms ---- */
  var commentForm = document.getElementById("ws-comment-form");
  if (commentForm) {
    commentForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = commentForm.elements.body.value.trim();
      if (!body) return;
      send({ type: "comment.create", body: body });
      commentForm.reset();
    });
  }

  document.getElementById("ws-playhead-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var seconds = parseFloat(event.target.elements.seconds.value);
    if (!isNaN(seconds) && seconds >= 0) send({ type: "playhead.move", master_ms: seconds * 1000 });
  });

  var annotationForm = document.getElementById("ws-annotation-form");
  if (annotationForm) {
    annotationForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var f = annotationForm.elements;
      var result = document.getElementById("ws-annotation-result");
      var body = {
        task: parseInt(f.task.value, 10), stream: f.stream.value, kind: "segment", label: f.label.value.trim(),
        entity: f.entity.value.trim(), start_ms: parseFloat(f.start_ms.value), end_ms: parseFloat(f.end_ms.value),
      };
      fetch(root.dataset.apiAnnotations, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json",
          "X-CSRFToken": f.csrfmiddlewaretoken.value },
        body: JSON.stringify(body),
      }).then(function (r) {
        return r.json().then(function (data) {
          if (r.ok) { result.textContent = "Added #" + data.id + "."; annotationForm.elements.label.focus(); return; }
          result.textContent = Object.keys(data).map(function (k) { return k + ": " + [].concat(data[k]).join(" "); }).join("; ");
        });
      }).catch(function () { result.textContent = "Could not reach the server."; });
    });
  }

  loadFindings();
  connect();
})();
