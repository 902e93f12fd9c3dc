/* A national estate's map (assetmap/maps/_pyramid.py). Far out, it draws the cells counted by
 * assetmap for each zoom level: the assets in each square of the screen, by partner and rating so
 * the filters still count exactly. From the detail zoom on, it draws the assets themselves from
 * the chunks of records in view (chunks.js), read when the view first comes near them. */
var detailZoom = pyramid ? pyramid[PYRAMID.detail] : 0;
var pyramidNote = pyramid ? 'Far out, assets are counted per square; from closer in (zoom ' + detailZoom +
  ') each asset, its cluster shape and its moves are drawn' : '';

function startPyramid() {
  var index = pyramid[PYRAMID.chunks];
  blockStarts = index[CHUNKS.start];
  var top = pyramid[PYRAMID.top] || {};
  topTable = top[OPPORTUNITY.donor] ? opportunityEntries(top) : [];
  moveCount = pyramid[PYRAMID.moves];
}

/* After the page is ready: read the search index and the shared tables while the user looks. */
function readAhead() {
  setTimeout(function () { readSearchIndex().then(readTables); }, 50);
}
/* The page is ready once the far level of its first view has been read. */
function startDrawing(then) {
  readLevel(levelAt(map.getZoom())).then(function () { grid.render(); then(); readAhead(); });
}

/* The chunks whose box meets the view (zoom-0 pixels); those not read yet are read, and the
 * grid drawn again when they arrive. */
var renderPending = false;
function renderSoon() {
  if (renderPending) { return; }
  renderPending = true;
  requestAnimationFrame(function () { renderPending = false; grid.render(); });
}
function chunksInView(view) {
  var index = pyramid[PYRAMID.chunks], boxes = index[CHUNKS.box], fine = pyramid[PYRAMID.fine], out = [];
  if (map.getZoom() < detailZoom) { return out; }
  var x0 = view.x0 * fine, x1 = view.x1 * fine, y0 = view.y0 * fine, y1 = view.y1 * fine;
  for (var chunk = 0; chunk < boxes.length; chunk++) {
    var box = boxes[chunk];
    if (box[2] < x0 || box[0] > x1 || box[3] < y0 || box[1] > y1) { continue; }
    if (blocks[chunk]) { out.push(blocks[chunk]); } else { readChunk(chunk).then(renderSoon); }
  }
  return out;
}

/* The far levels: read one when a zoom first needs it. */
var levelsRead = {}, levelPromises = {};
function levelAt(zoom) {
  var levels = pyramid[PYRAMID.levels], first = levels[LEVEL.first];
  return Math.max(first, Math.min(first + levels[LEVEL.levels] - 1, Math.floor(zoom)));
}
function readLevel(zoom) {
  if (!levelPromises[zoom]) {
    levelPromises[zoom] = readBlock(pyramid[PYRAMID.levels][LEVEL.id].replace('{}', String(zoom))).then(function (level) {
      var counts = level[LEVEL.comboCount], starts = new Int32Array(counts.length + 1), singles = {};
      for (var nth = 0; nth < counts.length; nth++) { starts[nth + 1] = starts[nth] + 2 * counts[nth]; }
      level.comboStarts = starts;
      level[LEVEL.single][LEVEL.singleCell].forEach(function (cell, step) { singles[cell] = step; });
      level.singleOf = singles;
      levelsRead[zoom] = level;
      return level;
    });
  }
  return levelPromises[zoom];
}
/* The level read that is nearest the one wanted (null when none has been read yet). */
function nearestLevel(wanted) {
  var best = null;
  Object.keys(levelsRead).forEach(function (zoom) {
    if (best === null || Math.abs(zoom - wanted) < Math.abs(best - wanted)) { best = +zoom; }
  });
  return best === null ? null : levelsRead[best];
}

/* The far cells in view at this zoom (null from the detail zoom on: the grid groups the points). */
function pyramidCells(zoom, box) {
  if (zoom >= detailZoom) { return null; }
  var wanted = levelAt(zoom), level = levelsRead[wanted];
  if (!level) { readLevel(wanted).then(renderSoon); level = nearestLevel(wanted); }
  if (!level) { return []; }
  var factor = Math.pow(2, zoom - level[LEVEL.zoom]) / 4, allOn = filtersAllOn();
  var count = level[LEVEL.count], xs = level[LEVEL.x], ys = level[LEVEL.y], extents = level[LEVEL.box];
  var cells = [], index = new Map();
  for (var nth = 0; nth < count.length; nth++) {
    var px = xs[nth] * factor, py = ys[nth] * factor;
    if (px < box.x0 || px > box.x1 || py < box.y0 || py > box.y1) { continue; }
    var shown = allOn ? count[nth] : shownInCell(level, nth);
    if (!shown) { continue; }
    var key = level[LEVEL.col][nth] * CELL_KEY + level[LEVEL.row][nth];
    var cell = {key: key, count: shown, sx: px * shown, sy: py * shown, minx: extents[4 * nth] * factor,
      miny: extents[4 * nth + 1] * factor, maxx: extents[4 * nth + 2] * factor, maxy: extents[4 * nth + 3] * factor, members: null};
    if (shown === 1 && level.singleOf[nth] !== undefined) { singleMarkerCell(cell, level, nth, zoom); }
    index.set(key, cells.length);
    cells.push(cell);
  }
  return grid.merge(cells, index);
}
function filtersAllOn() {
  return partnerOn.every(Boolean) && ratingOn.every(Boolean);
}
/* How many of cell i's assets the partner and rating filters show. */
function shownInCell(level, nth) {
  var combos = level[LEVEL.combos], count = 0;
  for (var step = level.comboStarts[nth]; step < level.comboStarts[nth + 1]; step += 2) {
    var combo = combos[step];
    if (isShown(Math.floor(combo / 4), combo % 4)) { count += combos[step + 1]; }
  }
  return count;
}
/* A cell holding one asset is drawn as that asset's marker; its popup reads its chunk. */
function singleMarkerCell(cell, level, nth, zoom) {
  var single = level[LEVEL.single], step = level.singleOf[nth], combo = level[LEVEL.combos][level.comboStarts[nth]];
  var asset = single[LEVEL.singleAsset][step], partner = Math.floor(combo / 4), rating = combo % 4;
  cell.asset = asset;
  cell.marker = function () {
    var position = map.unproject([cell.sx, cell.sy], zoom);
    var marker = L.marker(position, {icon: iconFor(partner, single[LEVEL.singleUse][step], rating),
      title: searchIndex ? label(asset) : ''});
    marker.on('click', function () { readChunk(blockIndexOf(asset)).then(function () { openAsset(asset, position); }); });
    return marker;
  };
}

function pyramidCrossings() {
  var crossing = pyramid[PYRAMID.crossing], out = [];
  crossing[CROSSING.id].forEach(function (id, nth) {
    var chunk = crossing[CROSSING.chunk][nth], row = crossing[CROSSING.row][nth];
    out.push({id: id, areas: crossing[CROSSING.areas][nth], show: function () {
      readChunk(chunk).then(function () { showCluster(row, chunk); });
    }});
  });
  return out;
}

/* A cluster's shape on a national page: the convex hull of its members buffered by the
 * clustering's hull buffer, drawn here from their positions (in metres around the cluster). */
function clusterHull(block, clusterId) {
  var rows = block.clusterRows || clusterRowsOf(block), members = rows[clusterId] || [];
  if (!members.length) { return []; }
  var lat0 = originLat + block.lat[members[0]] / gridScale, lon0 = originLon + block.lon[members[0]] / gridScale;
  var my = 110574, mx = 111320 * Math.cos(lat0 * Math.PI / 180), radius = pyramid[PYRAMID.hullBuffer], points = [];
  members.forEach(function (row) {
    var px = (originLon + block.lon[row] / gridScale - lon0) * mx, py = (originLat + block.lat[row] / gridScale - lat0) * my;
    for (var first = 0; first < 16; first++) {
      points.push([px + radius * Math.cos(first * Math.PI / 8), py + radius * Math.sin(first * Math.PI / 8)]);
    }
  });
  return [[convexHull(points).map(function (point) { return L.latLng(lat0 + point[1] / my, lon0 + point[0] / mx); })]];
}
function clusterRowsOf(block) {
  var rows = {};
  for (var row = 0; row < block.count; row++) {
    var id = block.value(COLUMN.cluster, row);
    if (id !== null) { (rows[id] = rows[id] || []).push(row); }
  }
  block.clusterRows = rows;
  return rows;
}
/* Andrew's monotone chain. */
function convexHull(points) {
  points.sort(function (first, second) { return first[0] - second[0] || first[1] - second[1]; });
  function cross(pivot, first, second) { return (first[0] - pivot[0]) * (second[1] - pivot[1]) - (first[1] - pivot[1]) * (second[0] - pivot[0]); }
  var lower = [], upper = [];
  points.forEach(function (point) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], point) <= 0) { lower.pop(); }
    lower.push(point);
  });
  for (var nth = points.length - 1; nth >= 0; nth--) {
    var point = points[nth];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], point) <= 0) { upper.pop(); }
    upper.push(point);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}
