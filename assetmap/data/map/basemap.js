/* The map and what lies under the assets: online tiles, or the offline look (the offline base map
 * of base.js, and the place's outline) when tiles are off or cannot load. */
var map = L.map('map', {maxZoom: 18, minZoom: 3, zoomSnap: 0.5});
api.map = map;
L.control.scale({imperial: false, position: 'bottomleft'}).addTo(map);
var outlineLayer = L.layerGroup();

function goOffline(note) {
  document.body.classList.add('am-offline');
  map.attributionControl.addAttribution(note);
  /* Drawn once the map has a view (the base map's band and labels follow the zoom). */
  map.whenReady(showBase);
}
if (tileUrl) {
  var tiles = L.tileLayer(tileUrl, {maxZoom: 18, attribution: '\u00a9 OpenStreetMap contributors'}).addTo(map);
  var tilesLoaded = 0, tilesFailed = 0;
  tiles.on('tileload', function () { tilesLoaded += 1; });
  /* No network (or tiles blocked): fall back to the offline look instead of a grey void. */
  tiles.on('tileerror', function () {
    tilesFailed += 1;
    if (!tilesLoaded && tilesFailed >= 2 && !document.body.classList.contains('am-offline')) {
      outlineLayer.eachLayer(function (layer) { layer.setStyle({fillOpacity: 0.7}); });
      goOffline('Base map tiles could not load: plain background');
    }
  });
} else {
  goOffline('Offline map: no base map tiles');
}
if (outlinePolygons.length) {
  L.polygon(decodePolygons(outlinePolygons), {color: '#4a5560', weight: 2, dashArray: '6 4', fillColor: '#ffffff',
    fillOpacity: tileUrl ? 0 : 0.7, interactive: false}).addTo(outlineLayer);
}
outlineLayer.addTo(map);
