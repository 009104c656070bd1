// The resident's web chat. Everything is shown with textContent: nothing is parsed as HTML.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var en = document.documentElement.lang === "en";
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var counter = document.getElementById("counter");
  var photo = document.getElementById("photo");
  var locate = document.getElementById("locate");
  var consent = document.getElementById("consent");
  var POLL_MS = 2000;
  var limits = { max_text_chars: 2000, max_photo_bytes: 10000000 };
  var SKIPPED = "ms_contact_skipped";
  var T = {
    failed: ["网络出了点问题，请稍后再试。", "Something went wrong; please try again."],
    photo: ["照片", "Photo"],
    place: ["位置", "Location"],
    send_photo: ["发照片", "Photo"],
    send_place: ["共享位置", "My location"],
    counter: ["{n} / {max} 字", "{n} / {max} characters"],
    over: ["超出 {n} 字，请精简后再发", "{n} characters over the limit; please shorten it"],
    too_big: ["照片太大了（最多 {mb} MB），请换一张小一些的。",
              "That photo is too large (at most {mb} MB). Please choose a smaller one."],
    geo_ask: ["把您现在的位置发给处理部门吗？位置只用于处理您的诉求。",
              "Send your current location to the department? It is used only for your case."],
    geo_yes: ["发送位置", "Send location"],
    geo_no: ["取消", "Cancel"],
    geo_none: ["这个浏览器不能共享位置，请写下地址。",
               "This browser cannot share a location; please write the address."],
    geo_denied: ["没有拿到位置（未允许或定位失败），请写下地址。",
                 "No location (not allowed, or it could not be found); please write the address."],
    contact_ask: ["您同意处理部门联系您。请留下电话号码（诉求 {ref}），只有处理部门能看到：",
                  "You agreed that the department may contact you. Your phone number (case {ref}), seen only by the department:"],
    contact_send: ["提交电话", "Save number"],
    contact_skip: ["不留电话", "Skip"],
    contact_skipped: ["好的，不留电话。", "All right, no phone number."]
  };

  function t(key, values) {
    var text = T[key][en ? 1 : 0];
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }

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
    return box;
  }

  function call(method, url, body, isForm) {
    var headers = { "X-CSRF-Token": csrf };
    if (body && !isForm) { headers["Content-Type"] = "application/json"; }
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: headers,
      body: body ? (isForm ? body : JSON.stringify(body)) : undefined
    });
  }

  function answered(response) {
    if (!response.ok) { throw new Error(String(response.status)); }
    return response.json().then(function (data) {
      data.replies.forEach(function (reply) { show("bot", reply); });
      askContactIfWanted();
    });
  }

  function failed() { show("error", { text: t("failed") }); }

  function send(body, echo) {
    body.id = newId();
    if (echo) { show("me", { text: echo }); }
    if (body.data) { disableOldButtons(); }
    return call("POST", "/chat/api/send", body).then(answered).catch(failed);
  }

  function poll() {
    call("GET", "/chat/api/poll")
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (data) { data.messages.forEach(function (m) { show("bot", m); }); })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }

  // -- long text: a counter, and the text stays in the box when it is over the limit ----------

  function count() {
    var n = input.value.length, max = limits.max_text_chars;
    counter.textContent = n > max ? t("over", { n: n - max }) : t("counter", { n: n, max: max });
    counter.classList.toggle("over", n > max);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    if (text.length > limits.max_text_chars) {
      // The server answers with its limit; nothing is cleared, so nothing is lost.
      send({ text: text }, null);
      return;
    }
    input.value = "";
    count();
    send({ text: text }, text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", count);

  // -- photo ----------------------------------------------------------------------------------

  photo.addEventListener("change", function () {
    var file = photo.files && photo.files[0];
    photo.value = "";
    if (!file) { return; }
    if (file.size > limits.max_photo_bytes) {
      show("error", { text: t("too_big", { mb: Math.floor(limits.max_photo_bytes / 1000000) }) });
      return;
    }
    var data = new FormData();
    data.append("photo", file, file.name);
    data.append("id", newId());
    show("me", { text: t("photo") + "：" + file.name });
    call("POST", "/chat/api/photo", data, true).then(answered).catch(failed);
  });

  // -- location, only after the resident said yes here and in the browser's own prompt --------

  locate.addEventListener("click", function () {
    document.getElementById("consent-text").textContent = t("geo_ask");
    document.getElementById("consent-yes").textContent = t("geo_yes");
    document.getElementById("consent-no").textContent = t("geo_no");
    consent.hidden = false;
    document.getElementById("consent-yes").focus();
  });
  document.getElementById("consent-no").addEventListener("click", function () {
    consent.hidden = true;
  });
  document.getElementById("consent-yes").addEventListener("click", function () {
    consent.hidden = true;
    if (!navigator.geolocation) { show("error", { text: t("geo_none") }); return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      var here = { latitude: position.coords.latitude, longitude: position.coords.longitude };
      show("me", { text: t("place") + "：" + here.latitude.toFixed(5) + ", " + here.longitude.toFixed(5) });
      here.id = newId();
      call("POST", "/chat/api/location", here).then(answered).catch(failed);
    }, function () {
      show("error", { text: t("geo_denied") });
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  // -- contact number, when the resident agreed to be contacted -------------------------------

  function skipped() {
    try { return JSON.parse(window.localStorage.getItem(SKIPPED) || "[]"); } catch (e) { return []; }
  }

  function skip(reference) {
    var list = skipped().concat([reference]).slice(-20);
    try { window.localStorage.setItem(SKIPPED, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }

  var asking = null;

  function askContact(reference) {
    if (!reference || asking === reference || skipped().indexOf(reference) >= 0) { return; }
    asking = reference;
    var box = show("contact", { text: t("contact_ask", { ref: reference }) });
    var field = document.createElement("input");
    field.type = "tel";
    field.id = "contact-phone";
    field.autocomplete = "tel";
    field.maxLength = 40;
    field.setAttribute("aria-label", en ? "Phone number" : "电话号码");
    var problem = document.createElement("p");
    problem.className = "problem";
    problem.setAttribute("role", "alert");
    var row = document.createElement("div");
    row.className = "row";
    var save = document.createElement("button");
    save.type = "button";
    save.textContent = t("contact_send");
    var no = document.createElement("button");
    no.type = "button";
    no.textContent = t("contact_skip");
    row.appendChild(save);
    row.appendChild(no);
    box.appendChild(field);
    box.appendChild(problem);
    box.appendChild(row);
    function done() { save.disabled = true; no.disabled = true; field.disabled = true; asking = null; }
    save.addEventListener("click", function () {
      if (!field.value.trim()) { field.focus(); return; }
      call("POST", "/chat/api/contact", { reference: reference, phone: field.value })
        .then(function (r) {
          return r.json().then(function (data) {
            if (r.ok) {
              done();
              data.replies.forEach(function (reply) { show("bot", reply); });
            } else {
              problem.textContent = data.detail || t("failed");  // the number stays in the box
              field.focus();
            }
          });
        }).catch(failed);
    });
    no.addEventListener("click", function () {
      skip(reference);
      done();
      show("bot", { text: t("contact_skipped") });
    });
    field.focus();
  }

  function askContactIfWanted() {
    call("GET", "/chat/api/contact")
      .then(function (r) { return r.ok ? r.json() : { reference: null }; })
      .then(function (data) { askContact(data.reference); })
      .catch(function () { /* asked again after the next message */ });
  }

  // -- start: the conversation so far, or a greeting on a first visit -------------------------

  function start() {
    call("GET", "/chat/api/history")
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        limits = data.limits || limits;
        count();
        if (!data.messages.length) { return send({ text: "/start" }, null); }
        data.messages.forEach(function (m) { show(m.who === "me" ? "me" : "bot", m); });
        // Only the newest line's buttons still mean something.
        var boxes = log.querySelectorAll(".msg");
        Array.prototype.forEach.call(boxes, function (box, i) {
          if (i === boxes.length - 1) { return; }
          Array.prototype.forEach.call(box.querySelectorAll("button"), function (b) { b.disabled = true; });
        });
        askContact(data.contact_wanted);
      })
      .catch(function () { count(); send({ text: "/start" }, null); })
      .then(poll);
  }

  document.querySelector("#photo-label .tool-name").textContent = t("send_photo");
  document.querySelector("#locate .tool-name").textContent = t("send_place");
  start();
}());
