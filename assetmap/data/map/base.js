/* The offline base map (assetmap/maps/_base.py): Great Britain's land for the country view, its
 * districts' borders (simplified for each zoom band) and their names at regional zoom. Drawn,
 * under everything else, whenever the page has no base map tiles. */
var BASE = {attribution: 'attribution', scale: 'scale', land: 'land', bands: 'bands', below: 'below',
  rings: 'rings', points: 'points', steps: 'steps', coast: 'coast', districts: 'districts', code: 'code',
  name: 'name', label: 'label', box: 'box'};
var LABEL_ZOOMS = [8, 12];
map.createPane('amBase').style.zIndex = 250;
var labelPane = map.createPane('amLabels');
labelPane.style.zIndex = 440;
labelPane.style.pointerEvents = 'none';
var baseCanvas = L.canvas({pane: 'amBase', padding: 0.5});
var baseLayer = L.layerGroup(), labelLayer = L.layerGroup(), baseBand = null, baseShown = false;
var decodedBands = {};

/* Runs of differences (lat, lon in 1 / scale degree) -> LatLngs, the run carrying on across arcs. */
function decodeSteps(steps, scale, counts) {
  var arcs = [], lat = 0, lon = 0, at = 0;
  counts.forEach(function (count) {
    var arc = new Array(count);
    for (var step = 0; step < count; step++, at += 2) { lat += steps[at]; lon += steps[at + 1]; arc[step] = L.latLng(lat / scale, lon / scale); }
    arcs.push(arc);
  });
  return arcs;
}
function landRings(land) {
  return land[BASE.rings].map(function (ring) { return decodeSteps(ring, land[BASE.scale], [ring.length / 2])[0]; });
}
/* A district's rings from its arcs (an arc ~i is arc i backwards). */
function districtRings(arcs, refs) {
  return refs.map(function (ring) {
    var points = [];
    ring.forEach(function (ref) {
      var arc = ref >= 0 ? arcs[ref] : arcs[~ref].slice().reverse();
      points.push.apply(points, points.length ? arc.slice(1) : arc);
    });
    return points;
  }).filter(function (points) { return points.length >= 4; });
}

function bandLayers(index) {
  if (decodedBands[index]) { return decodedBands[index]; }
  var layers = [], land = baseData[BASE.land], style = {pane: 'amBase', renderer: baseCanvas, interactive: false};
  if (index < 0) {
    landRings(land).forEach(function (ring) {
      layers.push(L.polygon(ring, L.extend({color: '#8aa0b4', weight: 1, fillColor: '#f5f3ee', fillOpacity: 1}, style)));
    });
  } else {
    var band = baseData[BASE.bands][index], arcs = decodeSteps(band[BASE.steps], band[BASE.scale], band[BASE.points]);
    var districts = baseData[BASE.districts], coast = {};
    baseData[BASE.coast].forEach(function (arc) { coast[arc] = true; });
    districts[BASE.rings].forEach(function (refs) {
      districtRings(arcs, refs).forEach(function (ring) {
        layers.push(L.polygon(ring, L.extend({stroke: false, fillColor: '#f5f3ee', fillOpacity: 1}, style)));
      });
    });
    arcs.forEach(function (arc, nth) {
      if (arc.length < 2) { return; }
      layers.push(L.polyline(arc, L.extend(coast[nth] ? {color: '#8aa0b4', weight: 1.2} : {color: '#bdb6aa', weight: 1},
        style)));
    });
  }
  decodedBands[index] = layers;
  return layers;
}

/* District names large enough, at this zoom, to hold their name. */
function drawLabels() {
  labelLayer.clearLayers();
  var zoom = map.getZoom();
  if (!baseShown || zoom < LABEL_ZOOMS[0] || zoom > LABEL_ZOOMS[1]) { return; }
  var districts = baseData[BASE.districts], scale = baseData[BASE.scale], view = map.getBounds().pad(0.2);
  districts[BASE.name].forEach(function (name, nth) {
    var box = districts[BASE.box][nth], at = L.latLng(districts[BASE.label][nth][0] / scale, districts[BASE.label][nth][1] / scale);
    if (!view.contains(at)) { return; }
    var west = map.project([box[0] / scale, box[1] / scale], zoom), east = map.project([box[0] / scale, box[3] / scale], zoom);
    if (east.x - west.x < name.length * 6.5) { return; }
    var text = el('span', 'am-place', name);
    labelLayer.addLayer(L.marker(at, {pane: 'amLabels', interactive: false, keyboard: false,
      icon: L.divIcon({className: 'am-place-label', html: text, iconSize: null})}));
  });
}

function drawBase() {
  if (!baseShown) { return; }
  var zoom = map.getZoom(), bands = baseData[BASE.bands], index = -1;
  if (zoom >= baseData[BASE.land][BASE.below]) {
    index = 0;
    while (index < bands.length - 1 && zoom >= bands[index][BASE.below]) { index += 1; }
  }
  if (index !== baseBand) {
    baseLayer.clearLayers();
    bandLayers(index).forEach(function (layer) { baseLayer.addLayer(layer); });
    baseBand = index;
  }
  drawLabels();
  api.baseBand = index;
  api.labelsDrawn = labelLayer.getLayers().length;
}

/* Show the base map (the page has no tiles): it replaces the outline's white fill. */
function showBase() {
  if (!baseData || baseShown) { return; }
  baseShown = true;
  baseLayer.addTo(map);
  labelLayer.addTo(map);
  outlineLayer.eachLayer(function (layer) { layer.setStyle({fillOpacity: 0}); });
  map.attributionControl.addAttribution(escapeHtml(baseData[BASE.attribution]));
  map.on('zoomend', drawBase);
  map.on('moveend', drawLabels);
  drawBase();
}
