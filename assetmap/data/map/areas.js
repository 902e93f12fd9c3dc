/* The areas: a choropleth per level, off by default, drawn under the clusters and markers. */
var areaLayer = L.featureGroup();

function areaFacts(level, nth) {
  var rows = [];
  areaData[AREA.figures].forEach(function (figure) {
    var column = level[AREA.figure][figure[0]], value = column ? column[nth] : null;
    if (value === null || value === undefined) { return; }
    rows.push([figure[1], figure[2] === 'int' ? wholeNumber.format(value) : formatValue(value, figure[2])]);
  });
  return rows;
}

function showAreas(levelIndex, measureIndex) {
  areaLayer.clearLayers();
  api.areasDrawn = 0;
  if (!areaData || levelIndex < 0 || !areaData[AREA.levels][levelIndex]) { map.removeLayer(areaLayer); return; }
  var level = areaData[AREA.levels][levelIndex], measure = areaData[AREA.measures][measureIndex];
  var classes = level[AREA.classes][measure[0]];
  level[AREA.code].forEach(function (code, nth) {
    var cls = classes ? classes[AREA.codes][nth] : -1;
    var polygon = L.polygon(decodePolygons(level[AREA.rings][nth]), {renderer: canvas, color: '#56616b', weight: 1,
      fillColor: cls >= 0 ? colour(measure[3][cls]) : '#ffffff', fillOpacity: cls >= 0 ? 0.7 : 0.15});
    polygon.bindPopup(function () {
      var root = el('div', 'am-popup');
      root.appendChild(el('h3', null, level[AREA.name][nth] || code));
      root.appendChild(el('div', 'am-who', level[AREA.label] + ': ' + code));
      root.appendChild(factTable(areaFacts(level, nth)));
      return root;
    }, {maxWidth: 340});
    areaLayer.addLayer(polygon);
  });
  areaLayer.addTo(map);
  /* Under the cluster shapes that share the canvas; markers are in a higher pane. */
  areaLayer.eachLayer(function (layer) { layer.bringToBack(); });
  api.areasDrawn = level[AREA.code].length;
}
api.showAreas = showAreas;
api.areaLayer = areaLayer;
