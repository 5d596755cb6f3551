/* Live score: posts what is typed to the server (the engine scores it), stores nothing.
   The form works without this script: "Tính điểm" does the same with a page load. */
(function () {
  "use strict";
  var form = document.getElementById("assessment-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-score-url");
  var timer = null, seq = 0;

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
        }
        var badges = form.querySelectorAll(".badge[data-crit]");
        for (var k = 0; k < badges.length; k++) {
          var c = badges[k].getAttribute("data-crit");
          if (j.criteria[c]) { badges[k].textContent = j.criteria[c]; }
        }
      })
      .catch(function () { /* offline for a moment: the next keystroke tries again */ });
  }

  function schedule() { clearTimeout(timer); timer = setTimeout(refresh, 350); }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
