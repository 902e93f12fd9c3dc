/* The estate read at load. A county's page: its one block of records, with its cluster shapes
 * and moves drawn now. A national estate's page: the far-zoom cells and the chunks' index
 * (pyramid.js); records, shapes and moves arrive chunk by chunk. Then what the panels list:
 * the top opportunities, the clusters across a boundary, the counts by rating and use. */
var topTable = [], moveCount = 0;

function opportunityEntries(table) {
  var entries = [], donors = table[OPPORTUNITY.donor] || [];
  donors.forEach(function (donor, i) {
    entries.push({donor: donor, rank: table[OPPORTUNITY.rank][i], text: function () { return opportunityText(table, i, donor); }});
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
  for (var i = 0; border && i < table[CLUSTER.id].length; i++) {
    if (border[CLUSTER.crosses][i]) {
      out.push({id: table[CLUSTER.id][i], areas: border[CLUSTER.areas][i], show: showCluster.bind(null, i, 0)});
    }
  }
  return out;
}
function anyCrossing() { return crossingClusters().length > 0; }
function ratingCounts() {
  if (pyramid) { return pyramid[PYRAMID.ratingCounts]; }
  var counts = {'-1': 0, 0: 0, 1: 0, 2: 0}, ratings = blocks[0].rating;
  for (var k = 0; k < assetCount; k++) { counts[ratings[k]] += 1; }
  return counts;
}
function usesPresent() {
  var uses = {};
  if (pyramid) { pyramid[PYRAMID.uses].forEach(function (use) { uses[use] = true; }); return uses; }
  for (var k = 0; k < assetCount; k++) { uses[blocks[0].use[k]] = true; }
  return uses;
}
