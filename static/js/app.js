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

  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Trigger")) return; // the server sent its own message
    toast(document.documentElement.lang === "en"
      ? "The request failed (" + (xhr ? xhr.status : "?") + "). Please try again."
      : "操作未成功（" + (xhr ? xhr.status : "?") + "），请稍后重试。", "error");
  });
  document.addEventListener("htmx:sendError", function () {
    toast(document.documentElement.lang === "en"
      ? "No connection to the server. What you typed is kept; try again."
      : "网络连接失败，已填写的内容仍在页面上，请稍后重试。", "error");
  });

  // Close the phone menu after choosing an item.
  document.addEventListener("click", function (e) {
    var menu = document.querySelector("details.menu[open]");
    if (menu && !menu.contains(e.target)) menu.removeAttribute("open");
  });
})();
