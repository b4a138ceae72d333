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
