// The resident's web chat. Everything is shown with textContent: nothing is parsed as HTML.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var POLL_MS = 2000;

  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function disableOldButtons() {
    var old = log.querySelectorAll(".row button");
    for (var i = 0; i < old.length; i++) { old[i].disabled = true; }
  }

  function show(who, message) {
    var box = document.createElement("div");
    box.className = "msg " + who;
    var text = document.createElement("div");
    text.textContent = message.text || "";
    box.appendChild(text);
    (message.buttons || []).forEach(function (row) {
      var line = document.createElement("div");
      line.className = "row";
      row.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.label;
        button.addEventListener("click", function () { send({ data: b.data }, b.label); });
        line.appendChild(button);
      });
      box.appendChild(line);
    });
    log.appendChild(box);
    log.scrollTop = log.scrollHeight;
  }

  function send(body, echo) {
    body.id = newId();
    if (echo) { show("me", { text: echo }); }
    if (body.data) { disableOldButtons(); }
    return fetch("/chat/api/send", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (data) {
      data.replies.forEach(function (reply) { show("bot", reply); });
    }).catch(function () {
      show("error", { text: "网络出了点问题，请稍后再试。Something went wrong; please try again." });
    });
  }

  function poll() {
    fetch("/chat/api/poll", { credentials: "same-origin", headers: { "X-CSRF-Token": csrf } })
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (data) { data.messages.forEach(function (m) { show("bot", m); }); })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send({ text: text }, text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  send({ text: "/start" }, null);
  poll();
}());
