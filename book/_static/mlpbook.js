/* Site script of "MLP from Scratch" (loaded through html_js_files in _config.yml).
 *
 * Keyboard access to code revealed by opening a hidden cell ("Show code cell source",
 * myst-nb's <details>) or a solution (sphinx-togglebutton). pydata-sphinx-theme gives a
 * scrollable code block or output a tab stop (tabindex 0) when the page loads, on a
 * resize and when nodes are added; a block that was hidden at load measures 0 x 0 and
 * gets tabindex -1, which it kept once opened: keyboard users could not scroll it
 * (axe: scrollable-region-focusable). We redo the theme's measurement inside whatever
 * was just opened.
 *
 * Tables: a wide table in a cell's output (a Markdown table displayed by code, as on the
 * reproduction page) can itself be the scrolling element, which the theme never
 * measures; give it a tab stop too, once the page is laid out and after a resize.
 */
(function () {
  "use strict";
  var SCROLLABLE = "pre, .cell_output > .output, .pst-scrollable-table-container";

  function updateTabStops(root) {
    root.querySelectorAll(SCROLLABLE).forEach(function (el) {
      if (!el.offsetParent) return; // still hidden
      el.tabIndex = el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight ? 0 : -1;
    });
  }

  function tableTabStops() {
    document.querySelectorAll("#main-content table").forEach(function (el) {
      if (!el.offsetParent) return; // hidden
      if (el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight) el.tabIndex = 0;
    });
  }
  window.addEventListener("load", tableTabStops);
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(tableTabStops, 300);
  });

  function later(root) {
    // after the toggle handlers have run and the opened content has been laid out
    window.requestAnimationFrame(function () { updateTabStops(root); });
  }

  // <details> (hidden cells): "toggle" does not bubble, so listen in the capture phase
  document.addEventListener("toggle", function (event) {
    if (event.target.open) later(event.target);
  }, true);

  // sphinx-togglebutton (solutions, dropdown admonitions): a click on the title or button
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".toggle-button, .admonition-title");
    var box = toggle && toggle.closest(".toggle, .dropdown");
    if (box) window.setTimeout(function () { later(box); }, 0);
  }, true);
})();
