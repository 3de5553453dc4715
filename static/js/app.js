/* Sổ Đoàn — small progressive enhancements; every page works without this file. */
(function () {
  "use strict";
  // Disable a submit button once its form is sent, so a double tap posts once (the server also dedupes).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset.sent === "1") { ev.preventDefault(); return; }
    form.dataset.sent = "1";
    setTimeout(function () { form.dataset.sent = ""; }, 4000);
  }, true);
  // A [data-confirm] button asks once before submitting.
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); ev.stopPropagation(); }
  }, true);
})();
