/* Grid clustering for Leaflet. Measured faster than Leaflet.markercluster at 100,000 points (see
 * BENCHMARKS.md): points are projected once into typed arrays (by their record blocks); each time
 * the view changes one pass groups the points in view into square cells of the screen and draws
 * one marker per cell, so a marker object exists only for an asset actually drawn. Points that
 * stay together at the closest zoom (one building, one postcode centroid) open as a spider: each
 * on its own leg, so stacked assets can be told apart. A national estate's far zooms draw cells
 * counted beforehand instead (options.farCells, from pyramid.js). */
var CELL_KEY = 4194304;

function AMGrid(map, options) {
  this.map = map;
  this.sets = options.sets;             // function (pixel bounds at zoom 0) -> blocks that may be in view
  this.visible = options.visible;       // function (asset) -> bool
  this.shownRow = options.shownRow;     // function (block, row) -> bool
  this.marker = options.marker;         // function (asset, position) -> L.Marker (cached by the caller)
  this.projected = options.projected;   // function (asset) -> {x, y} at zoom 0
  this.latlng = options.latlng;         // function (asset) -> L.LatLng
  this.farCells = options.farCells || null;  // function (zoom, bounds) -> cells, or null to group points
  this.cellPx = options.cellPx || 60;
  this.layer = L.layerGroup().addTo(map);
  this.spider = L.layerGroup().addTo(map);
  this.spiderCell = null;
  this.where = {};                      // asset -> position drawn (own place or spider leg)
  map.on('moveend', this.render, this);
  map.on('zoomstart', this.unspider, this);
}

/* The pixel box (at the current zoom) a render covers: the view and a margin of two cells. */
AMGrid.prototype.box = function () {
  var pixels = this.map.getPixelBounds(), pad = this.cellPx * 2;
  return {x0: pixels.min.x - pad, x1: pixels.max.x + pad, y0: pixels.min.y - pad, y1: pixels.max.y + pad};
};

AMGrid.prototype.cells = function (members) {
  var zoom = this.map.getZoom(), scale = Math.pow(2, zoom), size = this.cellPx, box = this.box();
  var index = new Map(), out = [], self = this;
  this.sets({x0: box.x0 / scale, x1: box.x1 / scale, y0: box.y0 / scale, y1: box.y1 / scale}).forEach(function (set) {
    var xs = set.xs, ys = set.ys;
    for (var row = 0; row < set.count; row++) {
      var px = xs[row] * scale, py = ys[row] * scale;
      if (px < box.x0 || px > box.x1 || py < box.y0 || py > box.y1 || !self.shownRow(set, row)) { continue; }
      var asset = set.start + row, key = Math.floor(px / size) * CELL_KEY + Math.floor(py / size);
      var nth = index.get(key);
      if (nth === undefined) {
        nth = out.length;
        index.set(key, nth);
        out.push({key: key, asset: asset, count: 0, sx: 0, sy: 0, minx: px, maxx: px, miny: py, maxy: py, members: null});
      }
      var cell = out[nth];
      cell.count += 1; cell.sx += px; cell.sy += py;
      if (px < cell.minx) { cell.minx = px; } if (px > cell.maxx) { cell.maxx = px; }
      if (py < cell.miny) { cell.miny = py; } if (py > cell.maxy) { cell.maxy = py; }
      if (members) { (cell.members = cell.members || []).push(asset); }
    }
  });
  return this.merge(out, index);
};

/* Fold a cell into a bigger neighbour whose centre is close, so groups do not overlap. */
AMGrid.prototype.merge = function (cells, index) {
  var near = this.cellPx * 0.8, order = cells.slice().sort(function (first, second) { return second.count - first.count; });
  order.forEach(function (cell) {
    if (cell.into) { return; }
    var gx = Math.floor(cell.key / CELL_KEY), gy = cell.key - gx * CELL_KEY;
    for (var dx = -1; dx <= 1; dx++) {
      for (var dy = -1; dy <= 1; dy++) {
        var nth = index.get((gx + dx) * CELL_KEY + gy + dy);
        var other = nth === undefined ? null : cells[nth];
        if (!other || other === cell || other.into || other.count > cell.count) { continue; }
        var ex = other.sx / other.count - cell.sx / cell.count, ey = other.sy / other.count - cell.sy / cell.count;
        if (ex * ex + ey * ey > near * near) { continue; }
        other.into = cell;
        cell.count += other.count; cell.sx += other.sx; cell.sy += other.sy;
        cell.minx = Math.min(cell.minx, other.minx); cell.maxx = Math.max(cell.maxx, other.maxx);
        cell.miny = Math.min(cell.miny, other.miny); cell.maxy = Math.max(cell.maxy, other.maxy);
        if (other.members) { cell.members = cell.members.concat(other.members); }
        (cell.keys = cell.keys || [cell.key]).push(other.key);
      }
    }
  });
  return cells.filter(function (cell) { return !cell.into; });
};

AMGrid.prototype.groupMarker = function (cell, centre, atMax) {
  var self = this, size = cell.count < 10 ? 30 : cell.count < 100 ? 36 : cell.count < 1000 ? 42 : 48;
  var group = L.marker(centre, {
    icon: L.divIcon({html: '<span>' + cell.count.toLocaleString('en-GB') + '</span>',
      className: 'am-group', iconSize: [size, size]}),
    title: cell.count + ' assets here: click to ' + (atMax ? 'spread them out' : 'zoom in'),
    riseOnHover: true
  });
  group.on('click', function () { self.open(cell); });
  return group;
};

AMGrid.prototype.render = function () {
  var map = this.map, zoom = map.getZoom(), self = this;
  var atMax = zoom >= map.getMaxZoom();
  /* A spider stays open when the map only pans (a popup opening near the edge pans it). */
  var keep = this.spiderCell !== null && this.spiderZoom === zoom ? this.spiderCell : null, kept = null;
  this.layer.clearLayers();
  this.where = {};
  var far = this.farCells ? this.farCells(zoom, this.box()) : null;
  var cells = far || this.cells(false);
  this.cellCount = cells.length;
  this.assetsDrawn = 0;
  cells.forEach(function (cell) {
    self.assetsDrawn += cell.count;
    if (cell.key === keep) { kept = cell; return; }
    if (cell.count === 1 && cell.asset !== undefined && (!far || cell.marker)) {
      var marker = far ? cell.marker() : self.marker(cell.asset);
      self.layer.addLayer(marker);
      self.where[cell.asset] = marker.getLatLng();
      return;
    }
    self.layer.addLayer(self.groupMarker(cell, map.unproject([cell.sx / cell.count, cell.sy / cell.count], zoom), atMax));
  });
  if (kept) { this.spiderfy(kept); } else { this.unspider(); }
  if (this.onRender) { this.onRender(); }
};

/* Zoom into a group, or spread it out when it cannot come apart by zooming. */
AMGrid.prototype.open = function (cell, then) {
  var map = this.map, zoom = map.getZoom();
  var spread = cell.maxx - cell.minx < 4 && cell.maxy - cell.miny < 4;
  if (zoom >= map.getMaxZoom() || (spread && zoom >= map.getMaxZoom() - 1)) {
    this.spiderfy(cell, then);
    return;
  }
  var sw = map.unproject([cell.minx, cell.maxy], zoom), ne = map.unproject([cell.maxx, cell.miny], zoom);
  if (spread) { map.setView(sw, map.getMaxZoom()); } else { map.fitBounds(L.latLngBounds(sw, ne), {padding: [40, 40]}); }
};

AMGrid.prototype.spiderfy = function (cell, then) {
  var map = this.map, zoom = map.getZoom(), self = this;
  this.unspider();
  var members = this.cells(true).filter(function (candidate) { return candidate.key === cell.key; })[0];
  if (!members) { return; }
  var inCell = members.members, total = inCell.length;
  var cx = members.sx / total, cy = members.sy / total, centre = map.unproject([cx, cy], zoom);
  inCell.forEach(function (asset, nth) {
    var angle, radius;
    if (total <= 9) { angle = 2 * Math.PI * nth / total - Math.PI / 2; radius = 28 + 3 * total; }
    else { angle = 0.9 * Math.sqrt(nth + 1) * 2.2 + nth * 0.55; radius = 26 + 9 * Math.sqrt(nth + 1); }
    var position = map.unproject([cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)], zoom);
    self.spider.addLayer(L.polyline([centre, position], {color: '#37474f', weight: 1.5, opacity: 0.8, interactive: false}));
    self.spider.addLayer(self.marker(asset, position));
    self.where[asset] = position;
  });
  this.spiderCell = cell.key;
  this.spiderZoom = zoom;
  if (this.onRender) { this.onRender(); }
  if (then) { then(); }
};

AMGrid.prototype.unspider = function () {
  if (this.spiderCell === null) { return; }
  this.spider.clearLayers();
  this.spiderCell = null;
};

/* Bring asset k into view on its own (zooming and spreading as needed), then call done(latlng). */
AMGrid.prototype.show = function (asset, done) {
  var map = this.map, self = this, position = this.latlng(asset), projected = this.projected(asset);
  function settle() {
    if (self.where[asset]) { done(self.where[asset]); return; }
    var scale = Math.pow(2, map.getZoom()), size = self.cellPx;
    var key = Math.floor(projected.x * scale / size) * CELL_KEY + Math.floor(projected.y * scale / size);
    var cell = self.cells(false).filter(function (candidate) {
      return candidate.key === key || (candidate.keys && candidate.keys.indexOf(key) >= 0);
    })[0];
    if (cell) { self.spiderfy(cell, function () { done(self.where[asset] || position); }); } else { done(position); }
  }
  var target = Math.max(map.getZoom(), map.getMaxZoom() - 1);
  if (map.getZoom() === target && map.getBounds().pad(-0.1).contains(position)) { this.render(); settle(); return; }
  map.once('moveend', function () { setTimeout(settle, 0); });
  map.setView(position, target, {animate: false});
};
