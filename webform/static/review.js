/* The review page works without this script: "Chấp nhận" posts the form and the page reloads at the item.
   With it, an item is accepted without a page load: the tag, the count "Đã xem N/M mục" and the page's
   version (every form on the page sends it, and each accept moves it on) are updated in place, and a
   confirmation is shown at the item. */
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) { return; }

  function setAll(selector, text) {
    var els = document.querySelectorAll(selector);
    for (var i = 0; i < els.length; i++) { els[i].textContent = text; }
  }

  function say(item, text, ok) {
    var box = item.querySelector(".notice-at");
    if (!box) { return; }
    box.textContent = text;
    box.className = "flash notice-at " + (ok ? "success" : "error");
    box.hidden = false;
  }

  function accepted(form, item, j) {
    var versions = document.querySelectorAll("input[name=version]");
    for (var i = 0; i < versions.length; i++) { versions[i].value = j.version; }
    var tag = item.querySelector(".item-tag");
    if (tag) { tag.innerHTML = '<span class="tag ok">Đã chấp nhận</span>'; }
    setAll("#progress-text", j.progress);
    var left = j.total - j.decided;
    setAll(".left-count", String(left));
    var next = document.getElementById("next-item");
    if (next && j.next) { next.textContent = j.next; next.setAttribute("href", "#item-" + j.next); }
    if (left === 0) {
      var hint = document.getElementById("progress-left");
      if (hint) { hint.hidden = true; }
      var rest = document.querySelectorAll("form[action$='/accept-rest']");
      for (var k = 0; k < rest.length; k++) { rest[k].hidden = true; }
      var waits = document.querySelectorAll(".verify-wait");
      for (var w = 0; w < waits.length; w++) { waits[w].hidden = true; }
    }
    form.parentNode.removeChild(form);
    say(item, j.message, true);
    // The button that had the focus is gone: keep a keyboard user at this item, on its confirmation.
    var box = item.querySelector(".notice-at");
    if (box) { box.tabIndex = -1; box.focus({ preventScroll: true }); }
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.classList || !form.classList.contains("accept")) { return; }
    ev.preventDefault();
    var item = form.closest(".item");
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        if (res.ok && res.j.ok) { accepted(form, item, res.j); return; }
        button.disabled = false;
        say(item, res.j.message || "Chưa chấp nhận được mục này.", false);
      })
      .catch(function () {
        // No answer (connection dropped, session expired): fall back to a normal post, which reloads.
        form.submit();
      });
  });
})();
