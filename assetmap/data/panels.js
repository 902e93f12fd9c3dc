/* assetmap board map: the panels (title, search and summary; layers and filters; legend).
 * Called by map.js with what they need; every register value is set with textContent. */
(function () {
  'use strict';
  window.AMPanels = function (c) {
    var map = c.map, D = c.D, N = c.N, P = c.P, R = c.R, U = c.U, el = c.el, nf0 = c.nf0;
    var swatch = c.swatch, factTable = c.factTable, label = c.label, pcOf = c.pcOf;
    var search = c.search, select = c.select, pOn = c.pOn, rOn = c.rOn, applyFilters = c.applyFilters;
    var partnerColour = c.partnerColour, NC = c.NC, moveList = c.moveList;
    var clusterLayer = c.clusterLayer, movesLayer = c.movesLayer, outlineLayer = c.outlineLayer;
    var A = c.A, BORDER = c.BORDER, areaLegend = el('div', 'am-area-legend');
    areaLegend.id = 'am-area-legend';

    /* ---- panels ---- */
    function panel(position, cls, build) {
      var Ctl = L.Control.extend({onAdd: function () {
        var box = el('div', 'am-panel ' + cls);
        build(box);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }});
      return new Ctl({position: position}).addTo(map);
    }
    panel('topleft', 'am-summary', function (box) {
      box.id = 'am-summary';
      box.appendChild(el('h1', null, D.title));
      var input = el('input');
      input.type = 'search'; input.id = 'am-search';
      input.placeholder = 'Find an asset: name, id or postcode';
      input.setAttribute('aria-label', 'Find an asset by name, id or postcode');
      var list = el('ol', 'am-results');
      list.id = 'am-results';
      box.appendChild(input);
      box.appendChild(list);
      var found = [];
      function show() {
        found = search(input.value);
        list.textContent = '';
        found.slice(0, 12).forEach(function (k) {
          var li = el('li');
          var b = el('button', null, label(k));
          b.type = 'button';
          b.appendChild(el('small', null, ' ' + D.partners[P[k]].name + (pcOf(k) ? ' · ' + pcOf(k) : '')));
          b.addEventListener('click', function () { select(k); });
          li.appendChild(b);
          list.appendChild(li);
        });
        if (input.value.trim() && !found.length) { list.appendChild(el('li', 'am-none', 'No asset found')); }
        if (found.length > 12) { list.appendChild(el('li', 'am-none', (found.length - 12) + ' more: type more to narrow')); }
      }
      var timer = null;
      input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(show, 120); });
      input.addEventListener('keydown', function (e) {
        if (e.key === 'Enter') { clearTimeout(timer); show(); if (found.length) { select(found[0]); } }
        if (e.key === 'Escape') { input.value = ''; show(); }
      });
      var det = el('details');
      det.open = true;
      det.appendChild(el('summary', null, 'Summary'));
      det.appendChild(factTable(D.summary));
      box.appendChild(det);
      var order = [];
      for (var i = 0; i < c.NO; i++) { if (c.O.d[i] >= 0) { order.push(i); } }
      order.sort(function (a, b) { return (c.O.rank[a] || 1e9) - (c.O.rank[b] || 1e9); });
      if (order.length) {
        var top = el('details', 'am-top');
        top.id = 'am-top';
        top.appendChild(el('summary', null, 'Top opportunities'));
        var ol = el('ol', 'am-results');
        order.slice(0, 10).forEach(function (i) {
          var b = el('button', null, c.oppText(i, c.O.d[i]));
          b.type = 'button';
          b.addEventListener('click', function () { select(c.O.d[i]); });
          var li = el('li');
          li.appendChild(b);
          ol.appendChild(li);
        });
        top.appendChild(ol);
        box.appendChild(top);
      }
      var across = [];
      for (var ci = 0; BORDER && ci < NC; ci++) { if (BORDER.cross[ci]) { across.push(ci); } }
      if (across.length) {
        var bd = el('details', 'am-top');
        bd.id = 'am-border-list';
        bd.appendChild(el('summary', null, 'Clusters across a boundary (' + nf0.format(across.length) + ')'));
        var bl = el('ol', 'am-results');
        across.forEach(function (i) {
          var b = el('button', null, 'Cluster ' + c.CL.id[i] + ': ' + BORDER.areas[i]);
          b.type = 'button';
          b.addEventListener('click', function () { c.showCluster(i); });
          var li = el('li');
          li.appendChild(b);
          bl.appendChild(li);
        });
        bd.appendChild(bl);
        box.appendChild(bd);
      }
      var home = el('button', 'am-home', 'Show the whole estate');
      home.type = 'button';
      home.addEventListener('click', c.home);
      box.appendChild(home);
    });

    var boxes = {p: [], r: {}};
    function syncBoxes() {
      boxes.p.forEach(function (b, i) { b.checked = pOn[i]; });
      Object.keys(boxes.r).forEach(function (r) { boxes.r[r].checked = rOn[r]; });
    }
    function check(parent, text, on, onChange, sw) {
      var lab = el('label', 'am-check');
      var b = el('input');
      b.type = 'checkbox'; b.checked = on;
      b.addEventListener('change', function () { onChange(b.checked); });
      lab.appendChild(b);
      if (sw) { lab.appendChild(sw); }
      lab.appendChild(document.createTextNode(text));
      parent.appendChild(lab);
      return b;
    }
    function overlay(box, text, layer) {
      check(box, text, true, function (on) { if (on) { map.addLayer(layer); } else { map.removeLayer(layer); } });
    }
    panel('topright', 'am-layers', function (box) {
      box.id = 'am-layers';
      var det = el('details');
      det.open = true;
      det.appendChild(el('summary', null, 'Layers'));
      det.appendChild(el('h4', null, 'Partners'));
      D.partners.forEach(function (p, i) {
        boxes.p.push(check(det, p.name + ' (' + nf0.format(p.count) + ')', true,
          function (on) { pOn[i] = on; applyFilters(); }, swatch(partnerColour(i))));
      });
      var counts = {'-1': 0, 0: 0, 1: 0, 2: 0};
      for (var k = 0; k < N; k++) { counts[R[k]] += 1; }
      if (counts[0] + counts[1] + counts[2] > 0) {
        det.appendChild(el('h4', null, 'Rating'));
        var names = ['Red', 'Amber', 'Green'];
        [0, 1, 2, -1].forEach(function (r) {
          if (!counts[r]) { return; }
          var text = (r >= 0 ? names[r] : 'Not rated') + ' (' + nf0.format(counts[r]) + ')';
          boxes.r[r] = check(det, text, true, function (on) { rOn[r] = on; applyFilters(); },
            r >= 0 ? swatch(D.ratings[r][2], 'am-dot') : null);
        });
      }
      det.appendChild(el('h4', null, 'Overlays'));
      if (NC) { overlay(det, 'Clusters (' + nf0.format(NC) + ')', clusterLayer); }
      if (moveList.length) { overlay(det, 'Moves (' + nf0.format(moveList.length) + ')', movesLayer); }
      if (D.outline.length) { overlay(det, 'Outline of the place', outlineLayer); }
      if (A && A.levels.length) { areaControls(det); }
      box.appendChild(det);
    });

    /* ---- areas: level and measure selectors, and the classes in the legend ---- */
    function option(sel, value, text) {
      var o = el('option', null, text);
      o.value = String(value);
      sel.appendChild(o);
    }
    function drawLegend(level, measure) {
      areaLegend.textContent = '';
      if (level < 0) { return; }
      var lv = A.levels[level], m = A.measures[measure], cls = lv.cls[m[0]];
      areaLegend.appendChild(el('h4', null, lv.label + ': ' + m[1]));
      (cls ? cls.limits : []).forEach(function (lim, k) {
        var d = el('div', 'am-item am-class');
        d.appendChild(swatch(m[3][k], 'am-area'));
        var lo = c.fmt(lim[0], m[2]), hi = c.fmt(lim[1], m[2]);
        d.appendChild(document.createTextNode(lo === hi ? lo : lo + ' to ' + hi));
        areaLegend.appendChild(d);
      });
      var none = el('div', 'am-item am-class');
      none.appendChild(swatch('#ffffff', 'am-area'));
      none.appendChild(document.createTextNode('No assets, or not known'));
      areaLegend.appendChild(none);
    }
    function areaControls(parent) {
      parent.appendChild(el('h4', null, 'Areas'));
      var lsel = el('select', 'am-select'), msel = el('select', 'am-select');
      lsel.id = 'am-area-level'; msel.id = 'am-area-measure';
      lsel.setAttribute('aria-label', 'Areas shown');
      msel.setAttribute('aria-label', 'Figure the areas are coloured by');
      option(lsel, -1, 'Off');
      A.levels.forEach(function (lv, i) { option(lsel, i, lv.label); });
      function measures() {
        var level = +lsel.value, keep = msel.value;
        msel.textContent = '';
        A.measures.forEach(function (m, i) {
          if (level < 0 || A.levels[level].cls[m[0]]) { option(msel, i, m[1]); }
        });
        if (keep && msel.querySelector('option[value="' + keep + '"]')) { msel.value = keep; }
        msel.disabled = level < 0;
      }
      function apply() {
        c.showAreas(+lsel.value, +msel.value);
        drawLegend(+lsel.value, +msel.value);
      }
      lsel.addEventListener('change', function () { measures(); apply(); });
      msel.addEventListener('change', apply);
      measures();
      parent.appendChild(lsel);
      parent.appendChild(msel);
    }

    panel('bottomright', 'am-legend', function (box) {
      box.id = 'am-legend';
      var det = el('details');
      det.open = window.innerHeight > 560;
      det.appendChild(el('summary', null, 'Legend'));
      var body = el('div', 'am-cols');
      det.appendChild(body);
      var kinds = {}, uses = {};
      D.partners.forEach(function (p) { kinds[p.kind] = true; });
      for (var k = 0; k < N; k++) { uses[U[k]] = true; }
      function item(parent, sw, text) { var d = el('div', 'am-item'); d.appendChild(sw); d.appendChild(document.createTextNode(text)); parent.appendChild(d); }
      body.appendChild(el('h4', null, 'Fill: partner kind'));
      D.kinds.forEach(function (kd) { if (kinds[kd[0]]) { item(body, swatch(kd[2]), kd[1]); } });
      body.appendChild(el('h4', null, 'Ring: rating'));
      D.ratings.forEach(function (rt) { item(body, swatch(rt[2], 'am-ring'), rt[1]); });
      item(body, swatch('#ffffff', 'am-ring'), 'Not rated');
      body.appendChild(el('h4', null, 'Letter: use'));
      D.uses.forEach(function (u, i) { if (uses[i]) { item(body, el('span', 'am-glyph', u[1]), u[0]); } });
      if (NC) {
        body.appendChild(el('h4', null, 'Clusters'));
        D.clusterCats.forEach(function (c) { item(body, swatch(c[1], 'am-area'), c[0]); });
        if (BORDER && BORDER.cross.indexOf(true) >= 0) {
          var line = el('span', 'am-cross');
          line.style.borderColor = c.CROSS;
          item(body, line, 'Dashed outline: cluster across a boundary');
        }
      }
      if (A && A.levels.length) { body.appendChild(areaLegend); }
      body.appendChild(el('h4', null, 'Other'));
      if (moveList.length) { item(body, el('span', 'am-arrow', '→'), 'Planned move: donor to receiver'); }
      item(body, el('span', 'am-bubble', '12'), 'Number of assets grouped: click to zoom in; assets at one spot spread out');
      if (D.outline.length) { item(body, el('span', 'am-outline'), 'Outline of the place'); }
      box.appendChild(det);
    });

    return {syncBoxes: syncBoxes};
  };
}());
