/* Minsheng console: confirmation before case actions, and small conveniences.
 * All behaviour lives here; pages carry no inline script (the CSP forbids it). */
(function () {
  "use strict";

  function confirmBeforeSubmit(form) {
    form.addEventListener("submit", function (event) {
      var question = form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
        return;
      }
      var buttons = form.querySelectorAll("button[type=submit]");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    });
  }

  /* Filter selects on the queue apply as soon as they change. */
  function autoSubmit(select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.submit(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"),
                                 confirmBeforeSubmit);
    Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"),
                                 autoSubmit);
  });
}());
