/* Draws the data point's master-clock timeline from the figure the server built
   (tasks/timeline.py). Clicking a mark highlights its row in the annotations table. */
(function () {
  "use strict";

  function highlight(annotationId) {
    var row = document.getElementById("annotation-" + annotationId);
    if (!row) return;
    var block = row.closest("details");
    if (block) block.open = true;
    row.scrollIntoView({ block: "center", behavior: "smooth" });
    row.classList.add("is-highlighted");
    window.setTimeout(function () { row.classList.remove("is-highlighted"); }, 2400);
  }

  function render() {
    var target = document.getElementById("timeline");
    var source = document.getElementById("timeline-figure");
    if (!target || !source || !window.Plotly) return;
    var figure = JSON.parse(source.textContent);
    target.textContent = "";
    window.Plotly.newPlot(target, figure.data, figure.layout, {
      responsive: true,
      displaylogo: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
      toImageButtonOptions: { filename: target.dataset.filename || "timeline" },
    }).then(function () {
      target.dataset.rendered = "true";
      target.on("plotly_click", function (event) {
        var point = event && event.points && event.points[0];
        if (point && point.customdata !== undefined) highlight(point.customdata);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
