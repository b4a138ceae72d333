// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  function updateCounter(textarea) {
    var counter = document.querySelector('[data-counter-for="' + textarea.id + '"]');
    if (!counter) { return; }
    var limit = parseInt(textarea.getAttribute("data-max"), 10);
    var count = textarea.value.replace(/\r\n/g, "\n").length;
    var template = counter.getAttribute("data-template") || counter.textContent;
    if (!counter.getAttribute("data-template")) {
      counter.setAttribute("data-template", template.replace(/\d+/, "{count}"));
      template = counter.getAttribute("data-template");
    }
    counter.textContent = template.replace("{count}", count);
    counter.classList.toggle("over", limit && count > limit);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-max]")) { updateCounter(event.target); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
})();
// The weighted total of a scoring form, updated as the juror scores.
(function () {
  "use strict";
  function recompute(form) {
    var output = form.querySelector("#weighted-total");
    if (!output) { return; }
    var total = 0, weights = 0, complete = true;
    form.querySelectorAll("fieldset.criterion").forEach(function (fieldset) {
      var weight = parseFloat(fieldset.getAttribute("data-weight")) || 0;
      if (!weight) { return; }
      var checked = fieldset.querySelector("input[type=radio]:checked");
      var number = fieldset.querySelector("input[type=number]");
      var value = checked ? parseFloat(checked.value) : (number && number.value !== "" ? parseFloat(number.value) : NaN);
      if (isNaN(value)) { complete = false; return; }
      total += value * weight; weights += weight;
    });
    // In the page's language, as the server prints it: "4,67" in Italian, "4.67" in English.
    var digits = {minimumFractionDigits: 2, maximumFractionDigits: 2};
    output.textContent = complete && weights
      ? (total / weights).toLocaleString(document.documentElement.lang || undefined, digits) : "—";
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form.score-form");
    if (form) { recompute(form); }
  });
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form.score-form");
    if (form) { recompute(form); }
  });
})();
// "Add a row" of a table question: without this file the button saves the draft and the page comes back with one
// more empty row; with it the row is added here at once, numbered and labelled like the others.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-add-row]");
    if (!button) { return; }
    var table = document.getElementById(button.getAttribute("data-add-row"));
    var body = table && table.tBodies[0];
    if (!body || !body.rows.length) { return; }
    event.preventDefault();
    var index = body.rows.length;
    var row = body.rows[index - 1].cloneNode(true);
    var header = row.querySelector("th");
    if (header) { header.textContent = String(index + 1); }
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.name = input.name.replace(/\.\d+\./, "." + index + ".");
      var label = input.getAttribute("aria-label");
      if (label) { input.setAttribute("aria-label", label.replace(/\d+$/, String(index + 1))); }
    });
    body.appendChild(row);
    var shown = button.form && button.form.querySelector('input[name="_shown.' + button.value + '"]');
    if (shown) { shown.value = String(index + 1); }
    if (index + 1 >= parseInt(button.getAttribute("data-max-rows"), 10)) { button.hidden = true; }
    var first = row.querySelector("input");
    if (first) { first.focus(); }
  });
})();
