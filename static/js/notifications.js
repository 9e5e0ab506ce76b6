/* The notification badge of every page: the person's own events from ws/me/
   (pods/consumers.py). Unseen counts and the last few notifications are kept per
   browser (localStorage); opening the panel marks them seen. */
(function () {
  "use strict";

  var root = document.getElementById("notify");
  if (!root || !window.WebSocket) return;
  var countEl = root.querySelector(".notify__count");
  var panel = root.querySelector(".notify__panel");
  var button = root.querySelector(".notify__button");
  var KEY = "syncpod.notifications." + root.dataset.person;
  var LABELS = {
    "task.assigned": function (p) { return p.count + " task" + (p.count === 1 ? "" : "s") + " assigned to you"; },
    "escalation.assigned": function (p) { return "Escalation #" + p.id + " (" + p.modality_a + "/" + p.modality_b + ") is yours"; },
    "escalation.resolved": function (p) { return "Escalation #" + p.id + " was resolved"; },
    "escalation.overdue": function (p) { return p.count + " escalation(s) overdue"; },
    "iteration.started": function (p) { return "Calibration iteration " + (p.number || p.id || "") + " started"; },
  };
  var retry = 0;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY)) || { unseen: 0, items: [] }; }
    catch (e) { return { unseen: 0, items: [] }; }
  }
  function save(state) { try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) {} }

  function render() {
    var state = load();
    countEl.textContent = String(state.unseen);
    countEl.dataset.count = String(state.unseen);
    button.setAttribute("aria-label", state.unseen + " unseen notifications");
    panel.textContent = "";
    if (!state.items.length) {
      var none = document.createElement("li");
      none.textContent = "Nothing new.";
      panel.appendChild(none);
    }
    state.items.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      panel.appendChild(item);
    });
  }

  button.addEventListener("click", function () {
    panel.hidden = !panel.hidden;
    button.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) { var state = load(); state.unseen = 0; save(state); render(); }
  });
  window.addEventListener("storage", function (event) { if (event.key === KEY) render(); });

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/me/");
    socket.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "hello") { root.dataset.state = "live"; return; }
      if (frame.type === "ack" || frame.type === "error") return;
      var label = LABELS[frame.type];
      var state = load();
      state.unseen += 1;
      state.items.unshift(label ? label(frame.payload) : frame.type);
      state.items = state.items.slice(0, 10);
      save(state);
      render();
    };
    socket.onopen = function () { retry = 0; };
    socket.onclose = function (event) {
      root.dataset.state = "closed";
      if (event.code === 4403) return;
      retry = Math.min(retry + 1, 6);
      window.setTimeout(connect, 1000 * Math.pow(2, retry - 1));
    };
  }

  render();
  connect();
})();
