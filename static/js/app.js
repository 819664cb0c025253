// GridApp's own script: toasts from HX-Trigger events and error answers. No inline script
// anywhere (the Content-Security-Policy allows only files from this server).
(function () {
  "use strict";

  function toast(message, kind) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var el = document.createElement("div");
    el.className = "toast" + (kind === "error" ? " error" : "");
    el.setAttribute("role", kind === "error" ? "alert" : "status");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, kind === "error" ? 8000 : 4000);
  }

  document.addEventListener("toast", function (e) {
    toast(e.detail && (e.detail.value || e.detail), "info");
  });
  document.addEventListener("toast-error", function (e) {
    toast(e.detail && (e.detail.value || e.detail), "error");
  });

  // An error answer that htmx did not swap (5xx; 4xx answers are swapped, see base.html): the
  // server's own words, from its toast header or its error page, else a general message.
  function serverMessage(xhr) {
    if (!xhr || !xhr.responseText) return "";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var page = doc.querySelector(".error-page");
      if (!page) return "";
      var title = page.querySelector("h1"), text = page.querySelector("h1 + p");
      return [title && title.textContent.trim(), text && text.textContent.trim()]
        .filter(Boolean).join("：");
    } catch (err) { return ""; }
  }

  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Trigger")) return; // the server sent its own message
    toast(serverMessage(xhr) || (document.documentElement.lang === "en"
      ? "The request failed (" + (xhr ? xhr.status : "?") + "). Please try again."
      : "操作未成功（" + (xhr ? xhr.status : "?") + "），请稍后重试。"), "error");
  });
  document.addEventListener("htmx:sendError", function () {
    toast(document.documentElement.lang === "en"
      ? "No connection to the server. What you typed is kept; try again."
      : "网络连接失败，已填写的内容仍在页面上，请稍后重试。", "error");
  });

  // ---- Drafts: a visit form survives a lost connection (kept in this browser until sent) ----
  var PREFIX = "gridapp-draft:";

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function collect(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "file" || el.type === "submit") return;
      if (el.hasAttribute("data-no-draft")) return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (!data[el.name]) data[el.name] = [];
        if (el.checked) data[el.name].push(el.value);
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function restore(form, data) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data) || el.type === "file" || el.name === "csrf_token") return;
      // Files kept by the server (core.storage) are as the server lists them, not as a draft.
      if (el.hasAttribute("data-no-draft")) return;
      var value = data[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = Array.isArray(value) && value.indexOf(el.value) !== -1;
      } else if (typeof value === "string") {
        el.value = value;
      }
    });
  }

  function initDraft(form) {
    var s = store();
    if (!s || form.dataset.draftReady) return;
    form.dataset.draftReady = "1";
    var key = PREFIX + form.dataset.draft;
    var saved = s.getItem(key);
    if (saved) {
      try {
        restore(form, JSON.parse(saved));
        var note = document.getElementById("draft-note");
        if (note) note.hidden = false;
      } catch (e) { s.removeItem(key); }
    }
    var save = function () { s.setItem(key, JSON.stringify(collect(form))); };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
  }

  function clearDrafts(el) {
    var s = store();
    if (!s) return;
    var token = el.dataset.clearDraftToken, key = el.dataset.clearDraft;
    if (key) s.removeItem(PREFIX + key);
    if (!token) return;
    for (var i = s.length - 1; i >= 0; i--) {
      var k = s.key(i);
      if (k && k.indexOf(PREFIX) === 0) {
        try { if (JSON.parse(s.getItem(k)).client_token === token) s.removeItem(k); } catch (e) { /* keep */ }
      }
    }
  }

  // A table wider than the phone scrolls sideways: a keyboard must be able to scroll it too, so
  // a wrapper with nothing focusable inside takes the focus itself (WCAG 2.1.1).
  function scrollable(wrap) {
    if (wrap.scrollWidth <= wrap.clientWidth) return;
    if (wrap.querySelector("a[href], button, input, select, textarea, [tabindex]")) return;
    wrap.tabIndex = 0;
  }

  function init(root) {
    root.querySelectorAll(".table-wrap").forEach(scrollable);
    root.querySelectorAll("form[data-draft]").forEach(initDraft);
    root.querySelectorAll("[data-clear-draft], [data-clear-draft-token]").forEach(clearDrafts);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.detail.elt.parentNode || document); });

  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) window.print();
    var discard = e.target.closest && e.target.closest("[data-discard-draft]");
    if (!discard) return;
    var form = document.querySelector("form[data-draft]");
    var s = store();
    if (form && s) s.removeItem(PREFIX + form.dataset.draft);
    window.location.reload();
  });

  // A select that applies itself (no inline handlers under the CSP).
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("select[data-fill]") && e.target.form) {
      var into = e.target.form.elements[e.target.getAttribute("data-fill")];
      if (into && e.target.value) into.value = e.target.value;
    }
    if (e.target.matches && e.target.matches("select[data-autosubmit]") && e.target.form) {
      e.target.form.requestSubmit();
    }
  });

  // Close the phone menu, and the wide screen's drop-down groups, on a click outside them
  // (one drop-down open at a time).
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.menu[open], details.nav-group[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
  // Escape closes an open drop-down and gives the focus back to its heading.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    document.querySelectorAll("details.menu[open], details.nav-group[open]").forEach(function (d) {
      d.removeAttribute("open");
      var summary = d.querySelector("summary");
      if (summary) summary.focus();
    });
  });
})();
