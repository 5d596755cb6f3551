/* A table wider than the screen scrolls inside its box (.scroll); this says so in words, under the box,
   only when it really overflows. Without the script the edge shadows (style.css) still show it. */
(function () {
  "use strict";
  var boxes = document.querySelectorAll(".scroll");
  if (!boxes.length) { return; }
  function mark() {
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i], hint = box.nextElementSibling;
      if (!hint || !hint.classList.contains("scroll-hint")) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = "↔ Bảng rộng hơn màn hình: vuốt ngang trong bảng để xem các cột còn lại.";
        box.parentNode.insertBefore(hint, box.nextSibling);
      }
      box.classList.toggle("overflows", box.scrollWidth > box.clientWidth + 1);
    }
  }
  mark();
  window.addEventListener("resize", mark);
})();
