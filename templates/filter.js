(function () {
  // Accent-insensitive: "luc yen" finds "Lục Yên" (marks dropped, đ as d, any case).
  var fold = function (s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "d")
      .toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
  };
  var box = document.getElementById("filter");
  if (!box) { return; }
  document.getElementById("filter-form").hidden = false;
  var items = Array.prototype.map.call(document.querySelectorAll("ul.feeds li"), function (li) {
    return [li, fold(li.getAttribute("data-name") || li.textContent)];
  });
  var count = document.getElementById("filter-count");
  box.addEventListener("input", function () {
    var q = fold(box.value), shown = 0;
    items.forEach(function (it) {
      var hit = q === "" || it[1].indexOf(q) !== -1;
      it[0].hidden = !hit;
      if (hit) { shown++; }
    });
    count.textContent = q === "" ? "" : count.getAttribute("data-label").replace("{n}", shown);
  });
})();
