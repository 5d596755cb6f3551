/* The form works without this script ("Tính điểm" scores with a page load). With it:
   1. Live score: what is typed is posted to the server (the engine scores it), nothing is stored.
   2. Unsaved input survives a dropped connection: typed values are kept in this browser until the
      server shows them saved; if the page comes back without them, the officer is offered to restore. */
(function () {
  "use strict";
  var form = document.getElementById("assessment-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-score-url");
  var key = "cfc-unsaved-" + form.getAttribute("data-assessment");
  var timer = null, seq = 0;
  if (form.getAttribute("data-editable") !== "1") {
    // Submitted: what is stored is final for now; a copy kept here would only confuse later.
    try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
    return;
  }

  function fields() {  // the v_ and s_ fields as name -> value (radios: the checked one)
    var out = {}, els = form.elements;
    for (var i = 0; i < els.length; i++) {
      var e = els[i];
      if (!/^[vs]_/.test(e.name)) { continue; }
      if (e.type === "radio") { if (e.checked) { out[e.name] = e.value; } else if (!(e.name in out)) { out[e.name] = ""; } }
      else { out[e.name] = e.value; }
    }
    return out;
  }

  function apply(values) {
    var els = form.elements;
    for (var i = 0; i < els.length; i++) {
      var e = els[i];
      if (!(e.name in values)) { continue; }
      if (e.type === "radio") { e.checked = (e.value === values[e.name]); } else { e.value = values[e.name]; }
    }
  }

  function same(a, b) {
    for (var k in a) { if (a.hasOwnProperty(k) && (a[k] || "") !== (b[k] || "")) { return false; } }
    for (var j in b) { if (b.hasOwnProperty(j) && (b[j] || "") !== (a[j] || "")) { return false; } }
    return true;
  }

  function remember() {
    try { localStorage.setItem(key, JSON.stringify({ at: new Date().toISOString(), fields: fields() })); }
    catch (e) { /* storage full or disabled: the live score still works */ }
  }

  function forget() { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } }

  function offerRestore() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved.fields) { return; }
    var clean = form.getAttribute("data-clean") === "1";
    if (same(saved.fields, fields())) { if (clean) { forget(); } return; }
    if (!clean) { return; }  // the page already shows what was typed (a refused save): keep the copy
    var box = document.getElementById("restore");
    document.getElementById("restore-at").textContent = new Date(saved.at).toLocaleString("vi-VN");
    box.hidden = false;
    document.getElementById("restore-yes").onclick = function () {
      apply(saved.fields); box.hidden = true; refresh();
    };
    document.getElementById("restore-no").onclick = function () { forget(); box.hidden = true; };
  }

  function refresh() {
    var mine = ++seq;
    var data = new FormData(form);
    data.delete("action");
    fetch(url, { method: "POST", body: data, credentials: "same-origin",
                 headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j || mine !== seq) { return; }  // a newer keystroke already asked again
        document.getElementById("score-body").innerHTML = j.panel;
        var spans = form.querySelectorAll(".err");
        for (var i = 0; i < spans.length; i++) {
          var id = spans[i].id.slice(2);
          var msg = j.errors[id] || "";
          spans[i].textContent = msg;
          spans[i].parentNode.classList.toggle("has-error", !!msg);
          // Screen readers announce the field as invalid, as on the server-rendered page.
          var inputs = form.querySelectorAll("[name='v_" + id + "']");
          for (var n = 0; n < inputs.length; n++) {
            if (msg) { inputs[n].setAttribute("aria-invalid", "true"); } else { inputs[n].removeAttribute("aria-invalid"); }
          }
        }
        barScore();
        var badges = form.querySelectorAll(".badge[data-crit]");
        for (var k = 0; k < badges.length; k++) {
          var c = badges[k].getAttribute("data-crit");
          if (j.criteria[c]) { badges[k].textContent = j.criteria[c]; }
        }
      })
      .catch(function () { /* offline for a moment: the next keystroke tries again */ });
  }

  function barScore() {  // the short score in the sticky bar follows the panel
    var bar = document.getElementById("bar-score"), total = document.getElementById("total");
    var verdict = document.querySelector("#score-body .verdict");
    if (!bar) { return; }
    var link = bar.querySelector("a");
    bar.textContent = "";
    if (total) {
      bar.appendChild(document.createTextNode("Tổng điểm: "));
      var strong = document.createElement("strong");
      strong.id = "bar-total"; strong.textContent = total.textContent;
      bar.appendChild(strong);
      bar.appendChild(document.createTextNode("/" + (total.parentNode.getAttribute("data-max") || "") + " · "));
    }
    var v = document.createElement("span");
    v.id = "bar-verdict"; v.textContent = verdict ? verdict.textContent : "Chưa tính được điểm";
    bar.appendChild(v);
    bar.appendChild(document.createTextNode(" · "));
    bar.appendChild(link);
  }

  function schedule() { remember(); clearTimeout(timer); timer = setTimeout(refresh, 350); }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  offerRestore();
})();
