/* assetmap grid clustering for Leaflet.
 * Measured faster than Leaflet.markercluster at 100,000 points (see BENCHMARKS.md): points are
 * projected once into typed arrays; each time the view changes one pass groups the points in
 * view into square cells of the screen and draws one marker per cell, so the work at load is
 * a single pass and a marker object exists only for an asset actually drawn. Points that stay
 * together at the closest zoom (one building, one postcode centroid) open as a spider: each on
 * its own leg, so stacked assets can be told apart. */
(function () {
  'use strict';

  function AMGrid(map, opts) {
    this.map = map;
    this.n = opts.n;
    this.latlng = opts.latlng;          // function (k) -> L.LatLng
    this.visible = opts.visible;        // function (k) -> bool
    this.marker = opts.marker;          // function (k) -> L.Marker (cached by the caller)
    this.cellPx = opts.cellPx || 60;
    this.layer = L.layerGroup().addTo(map);
    this.spider = L.layerGroup().addTo(map);
    this.spiderCell = null;
    this.where = {};                    // k -> position drawn (own place or spider leg)
    var xs = new Float64Array(this.n), ys = new Float64Array(this.n);
    for (var k = 0; k < this.n; k++) {
      var p = map.options.crs.latLngToPoint(this.latlng(k), 0);
      xs[k] = p.x; ys[k] = p.y;
    }
    this.xs = xs; this.ys = ys;
    map.on('moveend', this.render, this);
    map.on('zoomstart', this.unspider, this);
  }

  AMGrid.prototype.cells = function (members) {
    var map = this.map, zoom = map.getZoom(), s = Math.pow(2, zoom), c = this.cellPx;
    var b = map.getPixelBounds(), pad = c * 2;
    var x0 = b.min.x - pad, x1 = b.max.x + pad, y0 = b.min.y - pad, y1 = b.max.y + pad;
    var index = new Map(), out = [];
    for (var k = 0; k < this.n; k++) {
      var x = this.xs[k] * s, y = this.ys[k] * s;
      if (x < x0 || x > x1 || y < y0 || y > y1 || !this.visible(k)) { continue; }
      var key = Math.floor(x / c) * 4194304 + Math.floor(y / c);
      var i = index.get(key);
      if (i === undefined) {
        i = out.length;
        index.set(key, i);
        out.push({key: key, k: k, count: 0, sx: 0, sy: 0, minx: x, maxx: x, miny: y, maxy: y, members: null});
      }
      var cell = out[i];
      cell.count += 1; cell.sx += x; cell.sy += y;
      if (x < cell.minx) { cell.minx = x; } if (x > cell.maxx) { cell.maxx = x; }
      if (y < cell.miny) { cell.miny = y; } if (y > cell.maxy) { cell.maxy = y; }
      if (members) { (cell.members = cell.members || []).push(k); }
    }
    return this.merge(out, index);
  };

  /* Fold a cell into a bigger neighbour whose centre is close, so groups do not overlap. */
  AMGrid.prototype.merge = function (cells, index) {
    var c = this.cellPx, near = c * 0.8, order = cells.slice().sort(function (a, b) { return b.count - a.count; });
    order.forEach(function (cell) {
      if (cell.into) { return; }
      var gx = Math.floor(cell.key / 4194304), gy = cell.key - gx * 4194304;
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          var i = index.get((gx + dx) * 4194304 + gy + dy);
          var other = i === undefined ? null : cells[i];
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
    return cells.filter(function (x) { return !x.into; });
  };

  AMGrid.prototype.render = function () {
    var map = this.map, zoom = map.getZoom(), self = this;
    var atMax = zoom >= map.getMaxZoom();
    /* A spider stays open when the map only pans (a popup opening near the edge pans it). */
    var keep = this.spiderCell !== null && this.spiderZoom === zoom ? this.spiderCell : null, kept = null;
    this.layer.clearLayers();
    this.where = {};
    var cells = this.cells(false);
    this.cellCount = cells.length;
    cells.forEach(function (cell) {
      if (cell.key === keep) { kept = cell; return; }
      if (cell.count === 1) {
        var m = self.marker(cell.k);
        self.layer.addLayer(m);
        self.where[cell.k] = m.getLatLng();
        return;
      }
      var centre = map.unproject([cell.sx / cell.count, cell.sy / cell.count], zoom);
      var size = cell.count < 10 ? 30 : cell.count < 100 ? 36 : cell.count < 1000 ? 42 : 48;
      var group = L.marker(centre, {
        icon: L.divIcon({html: '<span>' + cell.count.toLocaleString('en-GB') + '</span>',
          className: 'am-group', iconSize: [size, size]}),
        title: cell.count + ' assets here: click to ' + (atMax ? 'spread them out' : 'zoom in'),
        riseOnHover: true
      });
      group.on('click', function () { self.open(cell); });
      self.layer.addLayer(group);
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
    var members = this.cells(true).filter(function (c) { return c.key === cell.key; })[0];
    if (!members) { return; }
    var ks = members.members, n = ks.length;
    var cx = members.sx / n, cy = members.sy / n, centre = map.unproject([cx, cy], zoom);
    ks.forEach(function (k, i) {
      var a, r;
      if (n <= 9) { a = 2 * Math.PI * i / n - Math.PI / 2; r = 28 + 3 * n; }
      else { a = 0.9 * Math.sqrt(i + 1) * 2.2 + i * 0.55; r = 26 + 9 * Math.sqrt(i + 1); }
      var pos = map.unproject([cx + r * Math.cos(a), cy + r * Math.sin(a)], zoom);
      self.spider.addLayer(L.polyline([centre, pos], {color: '#37474f', weight: 1.5, opacity: 0.8, interactive: false}));
      var m = self.marker(k, pos);
      self.spider.addLayer(m);
      self.where[k] = pos;
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
  AMGrid.prototype.show = function (k, done) {
    var map = this.map, self = this, ll = this.latlng(k);
    function settle() {
      if (self.where[k]) { done(self.where[k]); return; }
      var z = map.getZoom(), s = Math.pow(2, z), c = self.cellPx;
      var key = Math.floor(self.xs[k] * s / c) * 4194304 + Math.floor(self.ys[k] * s / c);
      var cell = self.cells(false).filter(function (x) { return x.key === key || (x.keys && x.keys.indexOf(key) >= 0); })[0];
      if (cell) { self.spiderfy(cell, function () { done(self.where[k] || ll); }); } else { done(ll); }
    }
    var target = Math.max(map.getZoom(), map.getMaxZoom() - 1);
    if (map.getZoom() === target && map.getBounds().pad(-0.1).contains(ll)) { this.render(); settle(); return; }
    map.once('moveend', function () { setTimeout(settle, 0); });
    map.setView(ll, target, {animate: false});
  };

  window.AMGrid = AMGrid;
}());
