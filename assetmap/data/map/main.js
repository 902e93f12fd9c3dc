/* Show: fit the estate, start the grid, and mark the page ready (window.assetmap.ready). */
function goHome() {
  map.closePopup();
  if (homeBounds) {
    map.fitBounds(L.latLngBounds(toLatLng(homeBounds[0][0], homeBounds[0][1]), toLatLng(homeBounds[1][0], homeBounds[1][1])),
      {padding: [30, 30], maxZoom: 16});
  } else if (outlinePolygons.length) {
    map.fitBounds(outlineLayer.getLayers()[0].getBounds());
  } else {
    map.setView([54.5, -2.5], 6);
  }
}

function finish() {
  if (api.ready || api.finishing) { return; }
  api.finishing = true;
  requestAnimationFrame(function () {
    setTimeout(function () {
      api.ready = true;
      api.shown = assetCount;
      api.readyMs = performance.now();
      timings.ready = api.readyMs;
      document.documentElement.setAttribute('data-ready', 'true');
    }, 0);
  });
}

goHome();
var grid = new AMGrid(map, {
  sets: pyramid ? chunksInView : function () { return blocks; },
  shownRow: function (block, row) { return isShown(block.partner[row], block.rating[row]); },
  visible: function (asset) { return isShown(partnerOf(asset), ratingOf(asset)); },
  marker: markerFor, projected: projectedOf, latlng: positionOf,
  farCells: pyramid ? pyramidCells : null
});
grid.onRender = function () {
  var count = 0;
  grid.layer.eachLayer(function () { count += 1; });
  api.drawn = count;
};
api.grid = grid;
if (pyramid && !canInflate) { explainNoInflate(); } else if (pyramid) { startDrawing(finish); } else { grid.render(); finish(); }
