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

  /* A reply template fills the reply box; the clerk edits it before sending. */
  function fillFromTemplate(select) {
    select.addEventListener("change", function () {
      var target = document.getElementById(select.getAttribute("data-fills"));
      if (target && select.value) {
        target.value = select.value;
        target.focus();
      }
    });
  }

  /* The queue reloads its table every so often, unless the clerk is busy with the filters. */
  function autoRefresh(box) {
    var seconds = parseInt(box.getAttribute("data-refresh"), 10);
    if (!(seconds > 0)) { return; }
    window.setInterval(function () {
      var active = document.activeElement;
      if (document.visibilityState !== "visible") { return; }
      if (active && active.form && active.form.classList.contains("filters")) { return; }
      fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) {
          if (!r.ok || r.redirected) { throw new Error(String(r.status)); }
          return r.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          var table = fresh.getElementById("queue-results");
          var count = fresh.getElementById("queue-count");
          if (!table) { return; }
          box.replaceChildren.apply(box, Array.prototype.slice.call(table.childNodes));
          var shown = document.getElementById("queue-count");
          if (count && shown) { shown.textContent = count.textContent; }
          box.setAttribute("data-refreshed", String(Date.now()));
        })
        .catch(function () { /* the next round tries again */ });
    }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-fills]"),
                                 fillFromTemplate);
    Array.prototype.forEach.call(document.querySelectorAll("[data-refresh]"), autoRefresh);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"),
                                 confirmBeforeSubmit);
    Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"),
                                 autoSubmit);
  });
}());
