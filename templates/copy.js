document.querySelectorAll("button[data-copy]").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () {
    var done = function () { b.textContent = b.getAttribute("data-done"); };
    if (navigator.clipboard) { navigator.clipboard.writeText(b.getAttribute("data-copy")).then(done, function () {}); }
  });
});
