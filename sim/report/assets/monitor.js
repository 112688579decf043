(function () {
  var body = document.body, list = document.getElementById("js-errors"), errors = 0, drawn = 0;
  var expected = parseInt(body.getAttribute("data-figures"), 10) || 0;
  function record(message) {
    errors += 1;
    body.setAttribute("data-js-errors", String(errors));
    var item = document.createElement("li");
    item.textContent = String(message);
    list.appendChild(item);
    list.hidden = false;
  }
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) { record("failed to load " + (t.src || t.href)); }
    else { record((e.message || "error") + (e.lineno ? " (line " + e.lineno + ")" : "")); }
  }, true);
  window.addEventListener("unhandledrejection", function (e) {
    var r = e.reason;
    record("unhandled rejection: " + (r && r.message ? r.message : r));
  });
  window.nurtureReport = {
    drawn: function (id) {
      drawn += 1;
      body.setAttribute("data-figures-drawn", String(drawn));
      if (drawn === expected) { body.setAttribute("data-report-ready", "true"); }
    },
    errors: function () { return errors; }
  };
  if (expected === 0) { body.setAttribute("data-report-ready", "true"); }
})();
