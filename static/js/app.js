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
  // Forms marked [data-progress] (a roll import over slow mobile data) show the upload's progress, then
  // that the server is checking. htmx reports the progress of boosted requests.
  function progressOf(ev) {
    var form = ev.target.closest && ev.target.closest("form[data-progress]");
    return form && form.querySelector(".progress");
  }
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var box = progressOf(ev);
    if (box) { box.hidden = false; box.dataset.done = ""; }
  });
  document.addEventListener("htmx:xhr:progress", function (ev) {
    var box = progressOf(ev), bar = box && box.querySelector("progress[max]");
    if (!bar || box.dataset.done || !ev.detail.lengthComputable) return;
    bar.value = Math.round(100 * ev.detail.loaded / ev.detail.total);
    if (ev.detail.loaded >= ev.detail.total) {  // sent: the rest of the wait is the server's check
      box.dataset.done = "1";
      bar.removeAttribute("value");
      box.querySelector("[data-uploading]").hidden = true;
      box.querySelector("[data-checking]").hidden = false;
    }
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    var box = progressOf(ev);
    if (box) box.hidden = true;
    // A one-tap save that did not reach the server (or failed there) must not look saved.
    var spot = ev.target.closest && ev.target.closest(".qrow, li, tr, form");
    if (!spot || !spot.isConnected) return;
    var note = spot.querySelector(":scope > .unsaved-note");
    if (ev.detail.successful || ev.detail.xhr && ev.detail.xhr.status === 422) {
      spot.classList.remove("unsaved");
      if (note) note.remove();
      return;
    }
    var status = ev.detail.xhr ? ev.detail.xhr.status : 0, target = ev.target;
    if (status === 0) {
      // htmx fires afterRequest, then sendAbort, for a request it cut short itself (an inline check superseded by the
      // form's save, a tap replaced by the next): not a lost save. Decide once the abort event has had its turn.
      setTimeout(function () {
        if (target.sodoanAborted) { target.sodoanAborted = false; return; }
        markUnsaved(spot, note, status);
      }, 0);
      return;
    }
    markUnsaved(spot, note, status);
  });
  document.addEventListener("htmx:sendAbort", function (ev) { ev.target.sodoanAborted = true; });
  function markUnsaved(spot, note, status) {
    if (!spot.isConnected) return;
    spot.classList.add("unsaved");
    if (!note) {
      note = document.createElement("p");
      note.className = "error unsaved-note";
      note.setAttribute("role", "alert");
      spot.appendChild(note);
    }
    var en = document.documentElement.lang === "en";
    note.textContent = status === 0
      ? (en ? "Not saved: check the connection, then tap again." : "Chưa lưu được: kiểm tra kết nối mạng rồi chạm lại.")
      : status === 503
        ? (en ? "Not saved: the database is unreachable for now. Nothing was saved; try again in a few minutes."
              : "Chưa lưu được: máy chủ tạm mất kết nối cơ sở dữ liệu, không có gì được lưu. Hãy thử lại sau ít phút.")
      : status === 400 || status === 401 || status === 403
        ? (en ? "Not saved: your session has expired or this is not allowed. Reload the page."
              : "Chưa lưu được: phiên làm việc đã hết hạn hoặc không có quyền. Hãy tải lại trang.")
        : (en ? "Not saved: the server had a problem. Try again." : "Chưa lưu được: máy chủ gặp lỗi. Hãy thử lại.");
  }
})();
