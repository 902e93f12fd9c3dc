/* assetmap board map.
 * Every value from a register reaches the page only through textContent or a DOM property:
 * nothing from the data is ever parsed as HTML. */
(function () {
  'use strict';
  var T = {start: performance.now()};
  var D = JSON.parse(document.getElementById('assetmap-data').textContent);
  T.parsed = performance.now();
  var S = D.scale, LAT0 = D.origin[0], LON0 = D.origin[1], C = D.cols, N = D.n;
  var P = C.p, U = C.u, R = C.r, LA = C.lat, LO = C.lon;
  var HEX = /^#[0-9a-fA-F]{6}$/, CROSS = '#c51b7d';
  var api = {ready: false, timings: T};
  window.assetmap = api;

  function ll(a, b) { return L.latLng(LAT0 + a / S, LON0 + b / S); }
  Object.keys(C).forEach(function (name) {
    var col = C[name];
    if (col && col.delta) {
      var out = new Array(col.delta.length), run = 0;
      for (var j = 0; j < out.length; j++) { run += col.delta[j]; out[j] = run; }
      C[name] = out;
    }
  });
  function getter(col) {
    if (!col) { return function () { return null; }; }
    if (Array.isArray(col)) { return function (k) { return col[k]; }; }
    var d = col.d, i = col.i;
    return function (k) { var c = i[k]; return c < 0 ? null : d[c]; };
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== null && text !== undefined) { e.textContent = String(text); }
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"'`]/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; });
  }
  function colour(c) { return HEX.test(c) ? c : '#7f7f7f'; }
  function swatch(c, cls) {
    var s = el('span', 'am-swatch ' + (cls || ''));
    if (cls === 'am-ring') { s.style.borderColor = colour(c); } else { s.style.background = colour(c); }
    return s;
  }

  var nameOf = getter(C.name), idOf = getter(C.asset_id), pcOf = getter(C.postcode);
  function label(k) { return nameOf(k) || idOf(k) || 'Asset ' + (k + 1); }
  var kindInfo = {};
  D.kinds.forEach(function (k) { kindInfo[k[0]] = {label: k[1], colour: colour(k[2])}; });
  function partnerColour(p) { return (kindInfo[D.partners[p].kind] || kindInfo.other).colour; }

  var nf0 = new Intl.NumberFormat('en-GB', {maximumFractionDigits: 0});
  var nf1 = new Intl.NumberFormat('en-GB', {maximumFractionDigits: 1});
  var gbp = new Intl.NumberFormat('en-GB', {style: 'currency', currency: 'GBP', maximumFractionDigits: 0});
  function fmt(v, kind) {
    if (v === null || v === undefined || v === '') { return null; }
    if (kind === 'gbp') { return gbp.format(v); }
    if (kind === 'pct') { return Math.round(v * 100) + '%'; }
    if (kind === 'm2') { return nf0.format(v) + ' m²'; }
    if (kind === 'num') { return nf1.format(v); }
    if (kind === 'date') {
      var p = String(v).split('-');
      if (p.length === 3) {
        return new Date(Date.UTC(+p[0], +p[1] - 1, +p[2])).toLocaleDateString(
          'en-GB', {day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC'});
      }
    }
    return String(v);
  }

  /* ---- map and base layers ---- */
  var map = L.map('map', {maxZoom: 18, minZoom: 3, zoomSnap: 0.5});
  api.map = map;
  L.control.scale({imperial: false, position: 'bottomleft'}).addTo(map);
  if (D.tiles) {
    var tiles = L.tileLayer(D.tiles, {maxZoom: 18, attribution: '© OpenStreetMap contributors'}).addTo(map);
    var tilesLoaded = 0, tilesFailed = 0;
    tiles.on('tileload', function () { tilesLoaded += 1; });
    /* No network (or tiles blocked): fall back to the offline look, a plain background with
       the place's outline, instead of a grey void. */
    tiles.on('tileerror', function () {
      tilesFailed += 1;
      if (!tilesLoaded && tilesFailed >= 2 && !document.body.classList.contains('am-offline')) {
        document.body.classList.add('am-offline');
        outlineLayer.eachLayer(function (l) { l.setStyle({fillOpacity: 0.7}); });
        map.attributionControl.addAttribution('Base map tiles could not load: plain background');
      }
    });
  } else {
    document.body.classList.add('am-offline');
    map.attributionControl.addAttribution('Offline map: no base map tiles');
  }
  function polys(list) {
    return list.map(function (rings) {
      return rings.map(function (r) {
        var out = [], a = 0, b = 0;
        for (var j = 0; j < r.length; j += 2) { a += r[j]; b += r[j + 1]; out.push(ll(a, b)); }
        return out;
      });
    });
  }
  var outlineLayer = L.layerGroup();
  if (D.outline.length) {
    L.polygon(polys(D.outline), {color: '#4a5560', weight: 2, dashArray: '6 4', fillColor: '#ffffff',
      fillOpacity: D.tiles ? 0 : 0.7, interactive: false}).addTo(outlineLayer);
  }
  outlineLayer.addTo(map);

  /* ---- popups ---- */
  function factTable(rows) {
    var t = el('table', 'am-facts');
    rows.forEach(function (r) {
      var tr = el('tr');
      tr.appendChild(el('th', null, r[0]));
      tr.appendChild(el('td', null, r[1]));
      t.appendChild(tr);
    });
    return t;
  }
  var cols = {};
  D.fields.forEach(function (f) { cols[f[0]] = getter(C[f[0]]); });
  var scoreOf = getter(C.score), fileOf = getter(C.source_file), rowOf = getter(C.source_row);
  var methodOf = getter(C.geocode_method), precOf = getter(C.geocode_precision_m);
  /* Opportunities: the words for each, and which assets they concern. */
  var O = D.opps || {}, NO = O.a ? O.a.length : 0, notesOf = {}, moveList = [];
  for (var q = 0; q < NO; q++) {
    (notesOf[O.d[q]] = notesOf[O.d[q]] || []).push(q);
    if (O.t[q] >= 0) { (notesOf[O.t[q]] = notesOf[O.t[q]] || []).push(q); }
    if (O.a[q] === 0 && O.d[q] >= 0 && O.t[q] >= 0) { moveList.push(q); }
  }
  function who(k) { return label(k) + ' (' + D.partners[P[k]].name + ')'; }
  function oppText(i, k) {
    var rank = O.rank[i] === null ? '' : '#' + O.rank[i] + ' ';
    var people = O.people[i] === null ? 'its people' : nf0.format(O.people[i]) + ' people';
    var money = (O.saving[i] ? '; saves ' + gbp.format(O.saving[i]) + ' a year' : '') +
      (O.receipt[i] ? '; capital receipt ' + gbp.format(O.receipt[i]) : '');
    var act = O.a[i];
    if (act === 0) {
      if (k === O.t[i]) { return rank + 'Receives ' + people + ' from ' + who(O.d[i]); }
      var into = O.t[i] >= 0 ? who(O.t[i]) : (O.into[String(i)] || 'another building');
      return rank + 'Relocate ' + people + ' into ' + into + money;
    }
    if (act === 1) { return rank + 'Dispose: vacant or surplus' + money; }
    if (act === 2) {
      return rank + 'Share: offer ' + (O.spare[i] === null ? 'spare space' : nf0.format(O.spare[i]) + ' spare places') +
        ' to other partners';
    }
    return rank + 'Review' + money;
  }
  function assetPopup(k) {
    var root = el('div', 'am-popup');
    root.appendChild(el('h3', null, label(k)));
    var partner = D.partners[P[k]];
    var who = el('div', 'am-who');
    who.appendChild(swatch(partnerColour(P[k])));
    who.appendChild(document.createTextNode(partner.name + ' · ' + (kindInfo[partner.kind] || kindInfo.other).label));
    root.appendChild(who);
    if (R[k] >= 0) {
      var rt = D.ratings[R[k]];
      var badge = el('div', 'am-rating');
      badge.appendChild(swatch(rt[2], 'am-dot'));
      var score = scoreOf(k);
      badge.appendChild(document.createTextNode(rt[1] + (score === null ? '' : ' (score ' + nf1.format(score) + ')')));
      root.appendChild(badge);
    }
    if (C.reasons && C.reasons.i[k].length) {
      var ul = el('ul', 'am-reasons');
      C.reasons.i[k].forEach(function (c) { ul.appendChild(el('li', null, C.reasons.d[c])); });
      root.appendChild(ul);
    }
    var notes = notesOf[k];
    if (notes) {
      var ol = el('ul', 'am-notes');
      notes.forEach(function (i) { ol.appendChild(el('li', null, oppText(i, k))); });
      root.appendChild(ol);
    }
    var rows = [];
    D.fields.forEach(function (f) {
      var v = fmt(cols[f[0]](k), f[2]);
      if (v !== null) { rows.push([f[1], v]); }
    });
    root.appendChild(factTable(rows));
    var src = [];
    if (fileOf(k)) { src.push('From ' + fileOf(k) + (rowOf(k) === null ? '' : ', row ' + rowOf(k))); }
    if (methodOf(k)) { src.push('placed by ' + methodOf(k) + (precOf(k) === null ? '' : ' (±' + nf0.format(precOf(k)) + ' m)')); }
    if (src.length) { root.appendChild(el('div', 'am-source', src.join('; '))); }
    return root;
  }
  var popup = L.popup({maxWidth: 360, minWidth: 240, autoPanPadding: [30, 30], offset: [0, -8]});
  function openAsset(k, at) {
    popup.setLatLng(at || (grid && grid.where[k]) || ll(LA[k], LO[k])).setContent(assetPopup(k)).openOn(map);
    api.openAsset = k;
  }
  var grid = null;

  /* ---- cluster polygons and moves ---- */
  /* Canvas keeps thousands of polygons and arrows quick to draw. */
  var canvas = L.canvas({padding: 0.3});
  var clusterLayer = L.featureGroup();
  var CL = D.clusters, NC = CL.id.length, BORDER = CL.border || null, clusterPolys = [];
  function clusterFacts(i) {
    var rows = [['Assets', nf0.format(CL.assets[i])], ['Partners', CL.partners[i] || '']];
    if (BORDER && BORDER.areas[i]) { rows.push([BORDER.cross[i] ? 'Areas (across a boundary)' : 'Area', BORDER.areas[i]]); }
    if (CL.cost[i] !== null) { rows.push(['Running cost a year', gbp.format(CL.cost[i])]); }
    if (CL.gia[i] !== null) { rows.push(['Floor area', nf0.format(CL.gia[i]) + ' m²']); }
    if (CL.util[i] !== null) { rows.push(['Utilisation', Math.round(CL.util[i] * 100) + '%']); }
    if (CL.spare[i] !== null) { rows.push(['Spare places', nf0.format(CL.spare[i])]); }
    if (CL.rag) { rows.push(['Red / amber / green', CL.rag[i].join(' / ')]); }
    if (CL.saving[i] !== null) { rows.push(['Saving a year (plan)', gbp.format(CL.saving[i])]); }
    if (CL.hidden && CL.hidden[i]) { rows.push(['Sensitive sites (not shown)', nf0.format(CL.hidden[i])]); }
    return rows;
  }
  for (var ci = 0; ci < NC; ci++) {
    (function (i) {
      var cat = D.clusterCats[CL.cat[i]], cross = !!(BORDER && BORDER.cross[i]);
      /* A cluster across a boundary: a heavier dashed outline in its own colour. */
      var poly = L.polygon(polys(CL.rings[i]), {renderer: canvas, color: cross ? CROSS : colour(cat[1]),
        weight: cross ? 3 : 2, dashArray: cross ? '8 5' : null, fillColor: colour(cat[1]), fillOpacity: 0.2});
      poly.bindPopup(function () {
        var root = el('div', 'am-popup');
        root.appendChild(el('h3', null, 'Cluster ' + CL.id[i]));
        root.appendChild(el('div', 'am-who', cat[0]));
        if (cross) { root.appendChild(el('div', 'am-border', 'Across a boundary: ' + BORDER.areas[i])); }
        root.appendChild(factTable(clusterFacts(i)));
        return root;
      }, {maxWidth: 340});
      clusterLayer.addLayer(poly);
      clusterPolys.push(poly);
    }(ci));
  }
  clusterLayer.addTo(map);
  function showCluster(i) {
    var poly = clusterPolys[i];
    if (!map.hasLayer(clusterLayer)) { map.addLayer(clusterLayer); }
    map.fitBounds(poly.getBounds(), {padding: [40, 40], maxZoom: 16});
    poly.openPopup();
  }
  api.showCluster = showCluster;

  /* ---- areas: a choropleth per level, off by default, drawn under the clusters and markers ---- */
  var A = D.areas || null, areaLayer = L.featureGroup(), areaOn = {level: -1, measure: 0};
  function areaFacts(lv, i) {
    var rows = [];
    A.figures.forEach(function (f) {
      var col = lv.fig[f[0]], v = col ? col[i] : null;
      if (v === null || v === undefined) { return; }
      rows.push([f[1], f[2] === 'int' ? nf0.format(v) : fmt(v, f[2])]);
    });
    return rows;
  }
  function showAreas(level, measure) {
    areaOn.level = level;
    areaOn.measure = measure;
    areaLayer.clearLayers();
    api.areasDrawn = 0;
    if (!A || level < 0 || !A.levels[level]) { map.removeLayer(areaLayer); return; }
    var lv = A.levels[level], m = A.measures[measure], cls = lv.cls[m[0]];
    lv.code.forEach(function (code, i) {
      var c = cls ? cls.i[i] : -1;
      var poly = L.polygon(polys(lv.rings[i]), {renderer: canvas, color: '#56616b', weight: 1,
        fillColor: c >= 0 ? colour(m[3][c]) : '#ffffff', fillOpacity: c >= 0 ? 0.7 : 0.15});
      poly.bindPopup(function () {
        var root = el('div', 'am-popup');
        root.appendChild(el('h3', null, lv.name[i] || code));
        root.appendChild(el('div', 'am-who', lv.label + ': ' + code));
        root.appendChild(factTable(areaFacts(lv, i)));
        return root;
      }, {maxWidth: 340});
      areaLayer.addLayer(poly);
    });
    areaLayer.addTo(map);
    /* Under the cluster shapes that share the canvas; markers are in a higher pane. */
    areaLayer.eachLayer(function (l) { l.bringToBack(); });
    api.areasDrawn = lv.code.length;
  }
  api.showAreas = showAreas;
  api.areaLayer = areaLayer;
  map.createPane('amMoves').style.zIndex = 450;
  var moveCanvas = L.canvas({pane: 'amMoves', padding: 0.3});
  var movesLayer = L.featureGroup();
  function arrow(a, b) {
    /* The line and a head a quarter of its length long, in a local metric frame. */
    var k = Math.cos(a.lat * Math.PI / 180), dx = (b.lng - a.lng) * k, dy = b.lat - a.lat;
    var len = Math.sqrt(dx * dx + dy * dy);
    if (!len) { return [[a, b]]; }
    var h = len * 0.25, ux = -dx / len, uy = -dy / len, c = Math.cos(0.45), s = Math.sin(0.45);
    var h1 = L.latLng(b.lat + h * (ux * s + uy * c), b.lng + h * (ux * c - uy * s) / k);
    var h2 = L.latLng(b.lat + h * (-ux * s + uy * c), b.lng + h * (ux * c + uy * s) / k);
    return [[a, b], [h1, b, h2]];
  }
  moveList.forEach(function (i) {
    var d = O.d[i], t = O.t[i];
    var line = L.polyline(arrow(ll(LA[d], LO[d]), ll(LA[t], LO[t])),
      {renderer: moveCanvas, color: '#6a3d9a', weight: 3, opacity: 0.9});
    line.bindTooltip(function () { return el('span', null, oppText(i, d)); }, {sticky: true});
    line.on('click', function () { select(d); });
    movesLayer.addLayer(line);
  });
  movesLayer.addTo(map);

  /* ---- markers ---- */
  var icons = {};
  function iconFor(k) {
    var key = P[k] + '|' + U[k] + '|' + R[k];
    var icon = icons[key];
    if (!icon) {
      var ring = R[k] >= 0 ? colour(D.ratings[R[k]][2]) : '#ffffff';
      var glyph = D.uses[U[k]][1];
      icon = L.divIcon({
        className: 'am-marker' + (R[k] >= 0 ? ' am-rated' : ''),
        html: '<span class="am-pin" style="background:' + partnerColour(P[k]) + ';border-color:' + ring + '">' +
          esc(glyph) + '</span>',
        iconSize: [24, 24], iconAnchor: [12, 12]
      });
      icons[key] = icon;
    }
    return icon;
  }
  var markers = {};
  function markerFor(k, pos) {
    var m = markers[k];
    if (!m) {
      m = L.marker(ll(LA[k], LO[k]), {icon: iconFor(k), title: label(k)});
      m.on('click', function () { openAsset(k, m.getLatLng()); });
      markers[k] = m;
    }
    m.setLatLng(pos || ll(LA[k], LO[k]));
    return m;
  }
  var pOn = D.partners.map(function () { return true; });
  var rOn = {'-1': true, 0: true, 1: true, 2: true};
  function applyFilters() { grid.render(); }

  /* ---- search ---- */
  var hay = null;
  function search(q) {
    q = String(q || '').trim().toLowerCase();
    var qn = q.replace(/\s+/g, '');
    if (!q) { return []; }
    if (!hay) {
      hay = new Array(N);
      for (var k = 0; k < N; k++) {
        hay[k] = [(nameOf(k) || '').toLowerCase(), (idOf(k) || '').toLowerCase(),
          (pcOf(k) || '').toLowerCase().replace(/\s+/g, '')];
      }
    }
    var exact = [], starts = [], within = [];
    for (var j = 0; j < N; j++) {
      var h = hay[j];
      if (h[1] === q || (qn && h[2] === qn) || h[0] === q) { exact.push(j); }
      else if (h[0].indexOf(q) === 0 || h[1].indexOf(q) === 0 || (qn && h[2].indexOf(qn) === 0)) { starts.push(j); }
      else if (h[0].indexOf(q) >= 0 || h[1].indexOf(q) >= 0) { within.push(j); }
    }
    return exact.concat(starts, within);
  }
  function select(k) {
    if (!pOn[P[k]] || !rOn[R[k]]) {
      pOn[P[k]] = true; rOn[R[k]] = true;
      panels.syncBoxes();
      applyFilters();
    }
    grid.show(k, function (at) { openAsset(k, at); });
  }
  api.search = search;
  api.select = select;

  function home() {
    map.closePopup();
    if (D.bounds) {
      map.fitBounds(L.latLngBounds(ll(D.bounds[0][0], D.bounds[0][1]), ll(D.bounds[1][0], D.bounds[1][1])),
        {padding: [30, 30], maxZoom: 16});
    } else if (D.outline.length) {
      map.fitBounds(outlineLayer.getLayers()[0].getBounds());
    } else {
      map.setView([54.5, -2.5], 6);
    }
  }

  /* ---- panels (panels.js) ---- */
  var panels = window.AMPanels({
    map: map, D: D, N: N, P: P, R: R, U: U, el: el, nf0: nf0, swatch: swatch, factTable: factTable,
    label: label, pcOf: pcOf, search: search, select: select, pOn: pOn, rOn: rOn, applyFilters: applyFilters,
    partnerColour: partnerColour, NC: NC, moveList: moveList, clusterLayer: clusterLayer,
    O: O, NO: NO, oppText: oppText, home: home,
    movesLayer: movesLayer, outlineLayer: outlineLayer,
    fmt: fmt, A: A, showAreas: showAreas, BORDER: BORDER, CL: CL, showCluster: showCluster, CROSS: CROSS
  });

  /* ---- show ---- */
  function finish() {
    if (api.ready || api.finishing) { return; }
    api.finishing = true;
    requestAnimationFrame(function () {
      setTimeout(function () {
        api.ready = true;
        api.shown = N;
        api.readyMs = performance.now();
        T.ready = api.readyMs;
        document.documentElement.setAttribute('data-ready', 'true');
      }, 0);
    });
  }
  home();
  grid = new window.AMGrid(map, {
    n: N, latlng: function (k) { return ll(LA[k], LO[k]); }, marker: markerFor,
    visible: function (k) { return pOn[P[k]] && rOn[R[k]]; }
  });
  T.projected = performance.now();
  grid.onRender = function () {
    var count = 0;
    grid.layer.eachLayer(function () { count += 1; });
    api.drawn = count;
  };
  api.grid = grid;
  grid.render();
  finish();
}());
