// The jurors' phone page: a juror's taps saved at once, kept on the
// phone while the connection is down and sent when it returns (each under its own id, so never counted twice).
// Countdowns and live updates come from live.js. The page works without either: the forms post and a reload
// shows the pitch on stage.
(function () {
  "use strict";
  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var root, key, sending = false;
  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (error) { return []; }
  }
  function store(queue) { localStorage.setItem(key, JSON.stringify(queue)); }
  function status(text) {
    var element = document.getElementById("live-queue");
    if (element) { element.textContent = text; }
  }
  function mark(item, message) {
    var element = document.querySelector('[data-criterion-status="' + item.slot + "-" + item.criterion + '"]');
    if (element) { element.textContent = message; }
  }
  function flush() {
    if (sending || !root) { return; }
    var queue = load();
    if (!queue.length) { return; }
    sending = true;
    var item = queue[0];
    fetch(root.getAttribute("data-score-url"), {
      method: "POST", credentials: "same-origin", body: JSON.stringify(item),
      headers: {"Content-Type": "application/json", "x-csrftoken": root.getAttribute("data-csrf")}
    }).then(function (response) {
      if (response.status >= 500) { throw new Error("server"); }
      return response.json();
    }).then(function (answer) {
      var rest = load().filter(function (queued) { return queued.client_id !== item.client_id; });
      store(rest);
      mark(item, answer.message);
      sending = false;
      if (rest.length) { flush(); } else { status(root.getAttribute("data-all-saved")); }
    }).catch(function () {
      sending = false;
      status(root.getAttribute("data-queued").replace("{count}", String(load().length)));
    });
  }
  function tap(form, value) {
    var queue = load();
    queue.push({client_id: newId(), slot: parseInt(form.elements.slot.value, 10),
                criterion: form.elements.criterion.value, value: value === "" ? null : parseFloat(value)});
    store(queue);
    status(root.getAttribute("data-sending"));
    flush();
  }
  document.addEventListener("DOMContentLoaded", function () {
    root = document.querySelector("[data-score-url]");
    if (!root) { return; }
    document.documentElement.classList.add("live-taps");  // a tap saves: the forms' buttons are not needed
    key = "giuria-live-scores-" + root.getAttribute("data-round");
    document.addEventListener("change", function (event) {
      var form = event.target.closest && event.target.closest("form.live-criterion");
      if (form && event.target.name === "value" && event.target.type === "radio") { tap(form, event.target.value); }
    });
    document.addEventListener("submit", function (event) {
      var form = event.target.closest && event.target.closest("form.live-criterion");
      if (!form) { return; }
      event.preventDefault();
      var checked = form.querySelector("input[name=value]:checked") || form.querySelector("input[name=value][type=number]");
      if (checked) { tap(form, checked.value); }
    });
    window.addEventListener("online", flush);
    setInterval(flush, 3000);
    flush();
  });
})();
