/* The page data: one JSON document whose format is written down in assetmap/maps/_payload.py.
 * This file gives its short keys the descriptive names the rest of the page uses; no other file
 * reads the document's keys, except through these names. */
var timings = {start: performance.now()};
var data = JSON.parse(document.getElementById('assetmap-data').textContent);
timings.parsed = performance.now();

var gridScale = data.scale;                 // grid units per degree
var originLat = data.origin[0], originLon = data.origin[1];
var assetCount = data.n;                    // assets shown (sensitive sites are not in the data)
var pageTitle = data.title;
var tileUrl = data.tiles;                   // null when offline
var homeBounds = data.bounds;               // [[lat, lon], [lat, lon]] in grid units, or null
var partners = data.partners;               // [{name, kind, count}]
var kindTable = data.kinds;                 // [[key, label, colour]]
var ratingTable = data.ratings;             // [[key, label, colour]]: red, amber, green, unrated
var NOT_RATED = 3;                          // the row of assets not rated, in asset columns and cluster counts
var useTable = data.uses;                   // [[label, glyph]]
var clusterCategories = data.clusterCats;   // [[label, colour]]
var popupFields = data.fields;              // [[column, label, format]]
var summaryRows = data.summary;             // [[label, value]]
var outlinePolygons = data.outline;         // polygons of delta-encoded rings
var areaData = data.areas || null;          // the choropleth: levels, measures, figures
var baseData = data.base || null;           // the offline base map (coast, districts)
var pyramid = data.pyramid || null;         // a national estate: far-zoom cells and record chunks

/* Keys of the document (and of a national page's chunks) holding the assets' records. */
var DOCUMENT = {columns: 'cols', opportunities: 'opps', clusters: 'clusters'};
/* Keys of a block of asset columns (data.cols, or one chunk's). */
var COLUMN = {lat: 'lat', lon: 'lon', partner: 'p', use: 'u', rating: 'r', name: 'name', assetId: 'asset_id',
  postcode: 'postcode', score: 'score', sourceFile: 'source_file', sourceRow: 'source_row',
  method: 'geocode_method', precision: 'geocode_precision_m', reasons: 'reasons', cluster: 'cluster_id'};
/* Keys of an encoded column: distinct values and codes, or running differences; and of a
 * reference to integers stored in binary after a compressed block's JSON. */
var ENCODED = {distinct: 'd', codes: 'i', delta: 'delta'};
var INTEGERS = '@';
/* Keys of an opportunities table. */
var OPPORTUNITY = {rank: 'rank', action: 'a', donor: 'd', receiver: 't', people: 'people', saving: 'saving',
  receipt: 'receipt', spare: 'spare', into: 'into'};
/* Keys of a clusters table. */
var CLUSTER = {id: 'id', category: 'cat', rings: 'rings', assets: 'assets', partners: 'partners', cost: 'cost',
  gia: 'gia', utilisation: 'util', spare: 'spare', rag: 'rag', saving: 'saving', hidden: 'hidden',
  border: 'border', crosses: 'cross', areas: 'areas'};
/* Keys of a national estate's pyramid (assetmap/maps/_pyramid.py), one of its far levels, its
 * chunks' index and its search index. */
var PYRAMID = {detail: 'detail', cellPx: 'cellPx', fine: 'fine', levels: 'levels', chunks: 'chunks', tables: 'tables',
  search: 'search', clusters: 'clusters', moves: 'moves', ratingCounts: 'ratingCounts', uses: 'uses', top: 'top',
  crossing: 'crossing', hullBuffer: 'hullBuffer', topWords: 'who'};
var LEVEL = {zoom: 'z', col: 'ix', row: 'iy', count: 'n', x: 'x', y: 'y', box: 'box', combos: 'combos',
  comboCount: 'm', single: 'single', singleCell: 'cell', singleAsset: 'k', singleUse: 'u',
  first: 'first', levels: 'count', id: 'id'};
var CHUNKS = {start: 'start', box: 'box', id: 'id'};
/* Keys of a chunk's reasons as templates, and of a search column split at its last number
 * (assetmap/maps/_texts.py). */
var REASONS = {count: 'n', template: 't', numbers: 'a', templates: 'd'};
var SPLIT = {head: 'h', number: 'n', width: 'w', tail: 't'};
var CROSSING = {id: 'id', areas: 'areas', chunk: 'chunk', row: 'row'};
/* Keys of the choropleth. */
var AREA = {levels: 'levels', measures: 'measures', figures: 'figures', key: 'key', label: 'label', code: 'code',
  name: 'name', rings: 'rings', figure: 'fig', classes: 'cls', limits: 'limits', codes: 'i'};

/* Clusters in the estate (a national page's are in its chunks). */
var clusterCount = pyramid ? pyramid[PYRAMID.clusters] : data[DOCUMENT.clusters][CLUSTER.id].length;

var api = {ready: false, timings: timings};
window.assetmap = api;

function toLatLng(lat, lon) { return L.latLng(originLat + lat / gridScale, originLon + lon / gridScale); }

/* Columns stored as running differences become plain lists, in place. */
function undoDeltas(columns) {
  Object.keys(columns).forEach(function (name) {
    var column = columns[name];
    if (column && column[ENCODED.delta]) {
      var steps = column[ENCODED.delta], values = new Array(steps.length), run = 0;
      for (var step = 0; step < steps.length; step++) { run += steps[step]; values[step] = run; }
      columns[name] = values;
    }
  });
  return columns;
}

/* A function from a row to the column's value (null when missing or no such column). */
function columnGetter(column) {
  if (!column) { return function () { return null; }; }
  if (Array.isArray(column) || ArrayBuffer.isView(column)) { return function (row) { return column[row]; }; }
  var distinct = column[ENCODED.distinct], codes = column[ENCODED.codes];
  return function (row) { var code = codes[row]; return code < 0 ? null : distinct[code]; };
}

/* Polygons of delta-encoded rings -> Leaflet rings of LatLngs. */
function decodePolygons(polygons) {
  return polygons.map(function (rings) {
    return rings.map(function (ring) {
      var out = [], lat = 0, lon = 0;
      for (var step = 0; step < ring.length; step += 2) { lat += ring[step]; lon += ring[step + 1]; out.push(toLatLng(lat, lon)); }
      return out;
    });
  });
}
