// Revenant dashboard: keyboard shortcuts and small conveniences. Our only script
// besides htmx; served from this origin (the CSP allows nothing else, nothing inline).
(function () {
  "use strict";
  var pendingG = false;

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.row")); }
  function current() { return document.querySelector("tr.row.current"); }
  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.indexOf(current());
    var next = all[Math.max(0, Math.min(all.length - 1, at < 0 ? 0 : at + step))];
    if (current()) { current().classList.remove("current"); }
    next.classList.add("current");
    next.scrollIntoView({ block: "nearest" });
  }
  function choose(state) {
    var form = document.getElementById("decide") || document.getElementById("bulk");
    if (!form) { return; }
    var radio = form.querySelector('input[name="state"][value="' + state + '"]');
    if (!radio) { return; }
    radio.checked = true;
    var box = form.querySelector("textarea[name=comment]");
    if (box) { box.focus(); }
  }
  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && typing(event.target)) {
      var form = event.target.form;
      if (form) { event.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (typing(event.target) || event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (pendingG) {
      pendingG = false;
      var to = { a: "/alerts", c: "/cases", h: "/" }[event.key];
      if (to) { window.location.assign(to); }
      return;
    }
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": case "Enter":
        if (current()) { window.location.assign(current().getAttribute("data-href")); }
        break;
      case "x":
        if (current()) { var box = current().querySelector("input[type=checkbox]"); box.checked = !box.checked; }
        break;
      case "c": event.preventDefault(); choose("confirmed"); break;
      case "d": event.preventDefault(); choose("dismissed"); break;
      case "m": event.preventDefault(); choose("needs-more"); break;
      case "r": event.preventDefault(); choose("open"); break;
      case "/":
        var filter = document.querySelector("#filters select");
        if (filter) { event.preventDefault(); filter.focus(); }
        break;
      case "g": pendingG = true; break;
      case "?": document.getElementById("help").hidden = !document.getElementById("help").hidden; break;
      default: return;
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "select-all") {
      rows().forEach(function (row) {
        var box = row.querySelector("input[type=checkbox]");
        if (box) { box.checked = event.target.checked; }
      });
    }
  });
})();
