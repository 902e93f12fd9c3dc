/* Search by name, id or postcode (postcodes ignore case and spaces): exact matches first, then
 * those that start with the words, then those that contain them. A national page searches its
 * search index (chunks.js), read when the page is ready or at the first search. */
var haystack = null;
function searchText(k) {
  return [(nameOf(k) || '').toLowerCase(), (idOf(k) || '').toLowerCase(),
    (postcodeOf(k) || '').toLowerCase().replace(/\s+/g, '')];
}
function search(query) {
  query = String(query || '').trim().toLowerCase();
  var compact = query.replace(/\s+/g, '');
  if (!query) { return []; }
  if (pyramid) {
    if (!searchIndex) { readSearchIndex(); return []; }
    return searchIndex.search(query, compact);
  }
  if (!haystack) {
    haystack = new Array(assetCount);
    for (var k = 0; k < assetCount; k++) { haystack[k] = searchText(k); }
  }
  var exact = [], starts = [], within = [];
  for (var j = 0; j < assetCount; j++) {
    var text = haystack[j];
    if (text[1] === query || (compact && text[2] === compact) || text[0] === query) { exact.push(j); }
    else if (text[0].indexOf(query) === 0 || text[1].indexOf(query) === 0 || (compact && text[2].indexOf(compact) === 0)) {
      starts.push(j);
    } else if (text[0].indexOf(query) >= 0 || text[1].indexOf(query) >= 0) { within.push(j); }
  }
  return exact.concat(starts, within);
}

/* Bring asset k into view on its own and open its popup (its filters are switched back on). */
function select(k) {
  if (pyramid && !blocks[blockIndexOf(k)]) { readChunk(blockIndexOf(k)).then(function () { select(k); }); return; }
  var partner = partnerOf(k), rating = ratingOf(k);
  if (!isShown(partner, rating)) {
    partnerOn[partner] = true; ratingOn[rating] = true;
    panels.syncBoxes();
    applyFilters();
  }
  grid.show(k, function (at) { openAsset(k, at); });
}
api.search = search;
api.select = select;
