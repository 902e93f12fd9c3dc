/* The panels: title, search and summary (top left); layers and filters (top right); legend
 * (bottom right). Every register value is set with textContent. */
var areaLegend = el('div', 'am-area-legend');
areaLegend.id = 'am-area-legend';

function panel(position, className, build) {
  var Panel = L.Control.extend({onAdd: function () {
    var box = el('div', 'am-panel ' + className);
    build(box);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  }});
  return new Panel({position: position}).addTo(map);
}
function buttonList(listClass, items) {
  var list = el('ol', listClass);
  items.forEach(function (item) {
    var button = el('button', null, item.text);
    button.type = 'button';
    if (item.small) { button.appendChild(el('small', null, item.small)); }
    button.addEventListener('click', item.click);
    var li = el('li');
    li.appendChild(button);
    list.appendChild(li);
  });
  return list;
}

function searchBox(box) {
  var input = el('input');
  input.type = 'search'; input.id = 'am-search';
  input.placeholder = 'Find an asset: name, id or postcode';
  input.setAttribute('aria-label', 'Find an asset by name, id or postcode');
  var list = el('ol', 'am-results');
  list.id = 'am-results';
  box.appendChild(input);
  box.appendChild(list);
  var found = [];
  function waitForIndex(then) {
    list.textContent = '';
    list.appendChild(el('li', 'am-none', 'Reading the search index\u2026'));
    searchWaiting.push(then);
    readSearchIndex();
  }
  function show() {
    if (pyramid && !searchIndex && input.value.trim()) { waitForIndex(show); return; }
    found = search(input.value);
    list.textContent = '';
    found.slice(0, 12).forEach(function (asset) {
      var li = el('li'), button = el('button', null, label(asset));
      button.type = 'button';
      button.appendChild(el('small', null, ' ' + partners[partnerOf(asset)].name + (postcodeOf(asset) ? ' \u00b7 ' + postcodeOf(asset) : '')));
      button.addEventListener('click', function () { select(asset); });
      li.appendChild(button);
      list.appendChild(li);
    });
    if (input.value.trim() && !found.length) { list.appendChild(el('li', 'am-none', 'No asset found')); }
    if (found.length > 12) { list.appendChild(el('li', 'am-none', (found.length - 12) + ' more: type more to narrow')); }
  }
  var timer = null;
  input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(show, 120); });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') {
      clearTimeout(timer);
      var pick = function () { show(); if (found.length) { select(found[0]); } };
      if (pyramid && !searchIndex && input.value.trim()) { waitForIndex(pick); } else { pick(); }
    }
    if (event.key === 'Escape') { input.value = ''; show(); }
  });
}

function topOpportunities(box) {
  var order = [];
  topTable.forEach(function (entry) { if (entry.donor >= 0) { order.push(entry); } });
  order.sort(function (first, second) { return (first.rank || 1e9) - (second.rank || 1e9); });
  if (!order.length) { return; }
  var details = el('details', 'am-top');
  details.id = 'am-top';
  details.appendChild(el('summary', null, 'Top opportunities'));
  details.appendChild(buttonList('am-results', order.slice(0, 10).map(function (entry) {
    return {text: entry.text(), click: function () { select(entry.donor); }};
  })));
  box.appendChild(details);
}

function borderList(box) {
  var across = crossingClusters();
  if (!across.length) { return; }
  var details = el('details', 'am-top');
  details.id = 'am-border-list';
  details.appendChild(el('summary', null, 'Clusters across a boundary (' + wholeNumber.format(across.length) + ')'));
  details.appendChild(buttonList('am-results', across.map(function (cluster) {
    return {text: 'Cluster ' + cluster.id + ': ' + cluster.areas, click: cluster.show};
  })));
  box.appendChild(details);
}

panel('topleft', 'am-summary', function (box) {
  box.id = 'am-summary';
  box.appendChild(el('h1', null, pageTitle));
  searchBox(box);
  var details = el('details');
  details.open = true;
  details.appendChild(el('summary', null, 'Summary'));
  details.appendChild(factTable(summaryRows));
  box.appendChild(details);
  topOpportunities(box);
  borderList(box);
  var home = el('button', 'am-home', 'Show the whole estate');
  home.type = 'button';
  home.addEventListener('click', goHome);
  box.appendChild(home);
});

var boxes = {partner: [], rating: {}};
var panels = {syncBoxes: function () {
  boxes.partner.forEach(function (box, nth) { box.checked = partnerOn[nth]; });
  Object.keys(boxes.rating).forEach(function (rating) { boxes.rating[rating].checked = ratingOn[rating]; });
}};
function checkBox(parent, text, on, onChange, sample) {
  var line = el('label', 'am-check'), box = el('input');
  box.type = 'checkbox'; box.checked = on;
  box.addEventListener('change', function () { onChange(box.checked); });
  line.appendChild(box);
  if (sample) { line.appendChild(sample); }
  line.appendChild(document.createTextNode(text));
  parent.appendChild(line);
  return box;
}
function overlayBox(parent, text, layer) {
  checkBox(parent, text, true, function (on) { layer.wanted = on; showOverlay(layer); });
}
panel('topright', 'am-layers', function (box) {
  box.id = 'am-layers';
  var details = el('details');
  details.open = true;
  details.appendChild(el('summary', null, 'Layers'));
  details.appendChild(el('h4', null, 'Partners'));
  partners.forEach(function (partner, nth) {
    boxes.partner.push(checkBox(details, partner.name + ' (' + wholeNumber.format(partner.count) + ')', true,
      function (on) { partnerOn[nth] = on; applyFilters(); }, swatch(partnerColour(nth))));
  });
  var counts = ratingCounts();
  if (counts[0] + counts[1] + counts[2] > 0) {
    details.appendChild(el('h4', null, 'Rating'));
    var names = ['Red', 'Amber', 'Green', 'Not rated'];
    [0, 1, 2, NOT_RATED].forEach(function (rating) {
      if (!counts[rating]) { return; }
      var text = names[rating] + ' (' + wholeNumber.format(counts[rating]) + ')';
      boxes.rating[rating] = checkBox(details, text, true, function (on) { ratingOn[rating] = on; applyFilters(); },
        swatch(ratingTable[rating][2], 'am-dot'));
    });
  }
  details.appendChild(el('h4', null, 'Overlays'));
  if (clusterCount) { overlayBox(details, 'Clusters (' + wholeNumber.format(clusterCount) + ')', clusterLayer); }
  if (moveCount) { overlayBox(details, 'Moves (' + wholeNumber.format(moveCount) + ')', movesLayer); }
  if (outlinePolygons.length) { overlayBox(details, 'Outline of the place', outlineLayer); }
  if (areaData && areaData[AREA.levels].length) { areaControls(details); }
  box.appendChild(details);
});

/* ---- areas: level and measure selectors, and the classes in the legend ---- */
function option(select, value, text) {
  var node = el('option', null, text);
  node.value = String(value);
  select.appendChild(node);
}
function drawAreaLegend(levelIndex, measureIndex) {
  areaLegend.textContent = '';
  if (levelIndex < 0) { return; }
  var level = areaData[AREA.levels][levelIndex], measure = areaData[AREA.measures][measureIndex];
  var classes = level[AREA.classes][measure[0]];
  areaLegend.appendChild(el('h4', null, level[AREA.label] + ': ' + measure[1]));
  (classes ? classes[AREA.limits] : []).forEach(function (limit, asset) {
    var line = el('div', 'am-item am-class');
    line.appendChild(swatch(measure[3][asset], 'am-area'));
    var low = formatValue(limit[0], measure[2]), high = formatValue(limit[1], measure[2]);
    line.appendChild(document.createTextNode(low === high ? low : low + ' to ' + high));
    areaLegend.appendChild(line);
  });
  var none = el('div', 'am-item am-class');
  none.appendChild(swatch('#ffffff', 'am-area'));
  none.appendChild(document.createTextNode('No assets, or not known'));
  areaLegend.appendChild(none);
}
function areaControls(parent) {
  parent.appendChild(el('h4', null, 'Areas'));
  var levelSelect = el('select', 'am-select'), measureSelect = el('select', 'am-select');
  levelSelect.id = 'am-area-level'; measureSelect.id = 'am-area-measure';
  levelSelect.setAttribute('aria-label', 'Areas shown');
  measureSelect.setAttribute('aria-label', 'Figure the areas are coloured by');
  option(levelSelect, -1, 'Off');
  areaData[AREA.levels].forEach(function (level, nth) { option(levelSelect, nth, level[AREA.label]); });
  function measures() {
    var levelIndex = +levelSelect.value, keep = measureSelect.value;
    measureSelect.textContent = '';
    areaData[AREA.measures].forEach(function (measure, nth) {
      if (levelIndex < 0 || areaData[AREA.levels][levelIndex][AREA.classes][measure[0]]) { option(measureSelect, nth, measure[1]); }
    });
    if (keep && measureSelect.querySelector('option[value="' + keep + '"]')) { measureSelect.value = keep; }
    measureSelect.disabled = levelIndex < 0;
  }
  function apply() {
    showAreas(+levelSelect.value, +measureSelect.value);
    drawAreaLegend(+levelSelect.value, +measureSelect.value);
  }
  levelSelect.addEventListener('change', function () { measures(); apply(); });
  measureSelect.addEventListener('change', apply);
  measures();
  parent.appendChild(levelSelect);
  parent.appendChild(measureSelect);
}

function legendItem(parent, sample, text) {
  var line = el('div', 'am-item');
  line.appendChild(sample);
  line.appendChild(document.createTextNode(text));
  parent.appendChild(line);
}
panel('bottomright', 'am-legend', function (box) {
  box.id = 'am-legend';
  var details = el('details');
  details.open = window.innerHeight > 560;
  details.appendChild(el('summary', null, 'Legend'));
  var body = el('div', 'am-cols');
  details.appendChild(body);
  var kinds = {}, uses = usesPresent();
  partners.forEach(function (partner) { kinds[partner.kind] = true; });
  body.appendChild(el('h4', null, 'Fill: partner kind'));
  kindTable.forEach(function (kind) { if (kinds[kind[0]]) { legendItem(body, swatch(kind[2]), kind[1]); } });
  body.appendChild(el('h4', null, 'Ring: rating'));
  ratingTable.forEach(function (rating) { legendItem(body, swatch(rating[2], 'am-ring'), rating[1]); });
  body.appendChild(el('h4', null, 'Letter: use'));
  useTable.forEach(function (use, nth) { if (uses[nth]) { legendItem(body, el('span', 'am-glyph', use[1]), use[0]); } });
  if (clusterCount) {
    body.appendChild(el('h4', null, 'Clusters'));
    clusterCategories.forEach(function (category) { legendItem(body, swatch(category[1], 'am-area'), category[0]); });
    if (anyCrossing()) {
      var line = el('span', 'am-cross');
      line.style.borderColor = CROSS_COLOUR;
      legendItem(body, line, 'Dashed outline: cluster across a boundary');
    }
  }
  if (areaData && areaData[AREA.levels].length) { body.appendChild(areaLegend); }
  body.appendChild(el('h4', null, 'Other'));
  if (moveCount) { legendItem(body, el('span', 'am-arrow', '\u2192'), 'Planned move: donor to receiver'); }
  legendItem(body, el('span', 'am-bubble', '12'), 'Number of assets grouped: click to zoom in; assets at one spot spread out');
  if (outlinePolygons.length) { legendItem(body, el('span', 'am-outline'), 'Outline of the place'); }
  if (pyramid) { legendItem(body, el('span', 'am-bubble', '\u2026'), pyramidNote); }
  box.appendChild(details);
});
