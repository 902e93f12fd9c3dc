/* The estate read at load. A county's page: its one block of records, with its cluster shapes
 * and moves drawn now. A national estate's page: the far-zoom cells and the chunks' index
 * (pyramid.js); records, shapes and moves arrive chunk by chunk. Then what the panels list:
 * the top opportunities, the clusters across a boundary, the counts by rating and use. */
var topTable = [], moveCount = 0;

function opportunityEntries(table) {
  var entries = [], donors = table[OPPORTUNITY.donor] || [];
  donors.forEach(function (donor, nth) {
    entries.push({donor: donor, rank: table[OPPORTUNITY.rank][nth], text: function () { return opportunityText(table, nth, donor); }});
  });
  return entries;
}

if (pyramid) {
  startPyramid();
} else {
  addBlock(new RecordBlock(0, 0, data));
  drawClusters(blocks[0]);
  topTable = opportunityEntries(blocks[0].opportunities);
  moveCount = moveList.length;
}
timings.projected = performance.now();
drawMoves(moveList);
/* An overlay is on the map when its box is ticked (and, on a national page, for cluster shapes
 * and moves, from the detail zoom on: further out they would be specks under the counts). */
[outlineLayer, clusterLayer, movesLayer].forEach(function (layer) { layer.wanted = true; });
function showOverlay(layer) {
  var near = !pyramid || layer === outlineLayer || map.getZoom() >= detailZoom;
  if (layer.wanted && near) { map.addLayer(layer); } else { map.removeLayer(layer); }
}
showOverlay(clusterLayer);
showOverlay(movesLayer);
if (pyramid) { map.on('zoomend', function () { showOverlay(clusterLayer); showOverlay(movesLayer); }); }

function crossingClusters() {
  if (pyramid) { return pyramidCrossings(); }
  var table = blocks[0].clusters, border = table[CLUSTER.border], out = [];
  for (var nth = 0; border && nth < table[CLUSTER.id].length; nth++) {
    if (border[CLUSTER.crosses][nth]) {
      out.push({id: table[CLUSTER.id][nth], areas: border[CLUSTER.areas][nth], show: showCluster.bind(null, nth, 0)});
    }
  }
  return out;
}
function anyCrossing() { return crossingClusters().length > 0; }
function ratingCounts() {
  if (pyramid) { return pyramid[PYRAMID.ratingCounts]; }
  var counts = ratingTable.map(function () { return 0; }), ratings = blocks[0].rating;
  for (var asset = 0; asset < assetCount; asset++) { counts[ratings[asset]] += 1; }
  return counts;
}
function usesPresent() {
  var uses = {};
  if (pyramid) { pyramid[PYRAMID.uses].forEach(function (use) { uses[use] = true; }); return uses; }
  for (var asset = 0; asset < assetCount; asset++) { uses[blocks[0].use[asset]] = true; }
  return uses;
}
