/* Cluster shapes with their figures, on a canvas (thousands of polygons stay quick to draw). */
var canvas = L.canvas({padding: 0.3});
var clusterLayer = L.featureGroup();

function clusterFacts(table, nth) {
  var border = table[CLUSTER.border] || null;
  var rows = [['Assets', wholeNumber.format(table[CLUSTER.assets][nth])], ['Partners', table[CLUSTER.partners][nth] || '']];
  if (border && border[CLUSTER.areas][nth]) {
    rows.push([border[CLUSTER.crosses][nth] ? 'Areas (across a boundary)' : 'Area', border[CLUSTER.areas][nth]]);
  }
  var cost = table[CLUSTER.cost][nth], gia = table[CLUSTER.gia][nth], util = table[CLUSTER.utilisation][nth];
  var spare = table[CLUSTER.spare][nth], saving = table[CLUSTER.saving][nth], hidden = table[CLUSTER.hidden];
  if (cost !== null) { rows.push(['Running cost a year', pounds.format(cost)]); }
  if (gia !== null) { rows.push(['Floor area', wholeNumber.format(gia) + ' m\u00b2']); }
  if (util !== null) { rows.push(['Utilisation', Math.round(util * 100) + '%']); }
  if (spare !== null) { rows.push(['Spare places', wholeNumber.format(spare)]); }
  if (table[CLUSTER.rag]) { rows.push([ratingHeading(), table[CLUSTER.rag][nth].join(' / ')]); }
  if (saving !== null) { rows.push(['Saving a year (plan)', pounds.format(saving)]); }
  if (hidden && hidden[nth]) { rows.push(['Sensitive sites (not shown)', wholeNumber.format(hidden[nth])]); }
  return rows;
}

function clusterPolygon(block, table, nth) {
  var border = table[CLUSTER.border] || null;
  var category = clusterCategories[table[CLUSTER.category][nth]], crosses = !!(border && border[CLUSTER.crosses][nth]);
  /* A cluster across a boundary: a heavier dashed outline in its own colour. */
  var rings = table[CLUSTER.rings] ? decodePolygons(table[CLUSTER.rings][nth]) : clusterHull(block, table[CLUSTER.id][nth]);
  var polygon = L.polygon(rings, {renderer: canvas,
    color: crosses ? CROSS_COLOUR : colour(category[1]), weight: crosses ? 3 : 2, dashArray: crosses ? '8 5' : null,
    fillColor: colour(category[1]), fillOpacity: 0.2});
  polygon.bindPopup(function () {
    var root = el('div', 'am-popup');
    root.appendChild(el('h3', null, 'Cluster ' + table[CLUSTER.id][nth]));
    root.appendChild(el('div', 'am-who', category[0]));
    if (crosses) { root.appendChild(el('div', 'am-border', 'Across a boundary: ' + border[CLUSTER.areas][nth])); }
    root.appendChild(factTable(clusterFacts(table, nth)));
    return root;
  }, {maxWidth: 340});
  return polygon;
}

function drawClusters(block) {
  var table = block.clusters;
  for (var nth = 0; nth < table[CLUSTER.id].length; nth++) {
    var polygon = clusterPolygon(block, table, nth);
    clusterLayer.addLayer(polygon);
    block.clusterPolygons.push(polygon);
  }
}

/* Zoom to cluster i of a block and open its figures. */
function showCluster(nth, blockIndex) {
  var polygon = blocks[blockIndex || 0].clusterPolygons[nth];
  clusterLayer.wanted = true;
  /* (On a national page the shapes show from the detail zoom: get there before opening.) */
  map.fitBounds(polygon.getBounds(), {padding: [40, 40], maxZoom: 16, animate: !pyramid});
  showOverlay(clusterLayer);
  polygon.openPopup();
}
api.showCluster = showCluster;
api.clusterLayer = clusterLayer;

/* The heading of a cluster's counts by rating: "Red / amber / green / not rated". */
function ratingHeading() {
  var words = ratingTable.map(function (rating) { return rating[0] === 'unrated' ? 'not rated' : rating[0]; });
  var text = words.join(' / ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
