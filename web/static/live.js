/* Live pages: one EventSource per round for the elements marked [data-live-round][data-live-fragment]; on each
   event the element fetches its fragment URL and swaps its inner HTML (nothing else is re-run). An element with
   data-live-kinds="a b" refreshes only on those kinds. EventSource reconnects by itself after a cut and sends the
   last id it saw, so the server replays what was missed; meanwhile a small mark says "reconnecting".
   Countdowns: any [data-ends-at] shows the minutes and seconds left until that ISO time. */
(function () {
  "use strict";
  var KINDS = ["order.changed", "slot.started", "slot.qa", "slot.paused", "slot.resumed", "slot.ended",
    "slot.absent", "scoring.opened", "scoring.closed", "scoring.reopened", "score.saved", "vote.opened",
    "vote.closed", "vote.counted", "results.revealed"];

  function refresh(element) {
    if (element._liveBusy) { element._livePending = true; return; }
    element._liveBusy = true;
    fetch(element.getAttribute("data-live-fragment"), {credentials: "same-origin", headers: {"X-Live": "1"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { element.innerHTML = html; tick(); } })
      .catch(function () { /* the next event or the reconnection tries again */ })
      .then(function () {
        element._liveBusy = false;
        if (element._livePending) { element._livePending = false; refresh(element); }
      });
  }

  function wants(element, kind) {
    var kinds = element.getAttribute("data-live-kinds");
    return !kinds || kinds.split(/\s+/).indexOf(kind) >= 0;
  }

  function mark(round, on) {
    document.querySelectorAll("[data-live-status]").forEach(function (node) {
      if (node.getAttribute("data-live-status") === round || node.getAttribute("data-live-status") === "") {
        node.hidden = !on;
      }
    });
  }

  function listen(round, elements) {
    var source = new EventSource("/live/" + encodeURIComponent(round) + "/events");
    var lost = false;
    source.onopen = function () {
      mark(round, false);
      if (lost) { elements.forEach(refresh); }
      lost = false;
    };
    source.onerror = function () { lost = true; mark(round, true); };
    KINDS.forEach(function (kind) {
      source.addEventListener(kind, function () {
        elements.forEach(function (element) { if (wants(element, kind)) { refresh(element); } });
      });
    });
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-ends-at]").forEach(function (node) {
      var left = Math.max(0, Math.round((Date.parse(node.getAttribute("data-ends-at")) - now) / 1000));
      node.textContent = Math.floor(left / 60) + ":" + two(left % 60);
      node.classList.toggle("over", left === 0);
    });
  }

  function start() {
    var rounds = {};
    document.querySelectorAll("[data-live-round][data-live-fragment]").forEach(function (element) {
      var round = element.getAttribute("data-live-round");
      (rounds[round] = rounds[round] || []).push(element);
    });
    Object.keys(rounds).forEach(function (round) { listen(round, rounds[round]); });
    tick();
    setInterval(tick, 250);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
