/* Search by name, id or postcode (postcodes ignore case and spaces): exact matches first, then
 * those that start with the words, then those that contain them. A national page searches its
 * search index (chunks.js), read when the page is ready or at the first search. */
var haystack = null;
function searchText(asset) {
  return [(nameOf(asset) || '').toLowerCase(), (idOf(asset) || '').toLowerCase(),
    (postcodeOf(asset) || '').toLowerCase().replace(/\s+/g, '')];
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
    for (var asset = 0; asset < assetCount; asset++) { haystack[asset] = searchText(asset); }
  }
  var exact = [], starts = [], within = [];
  for (var step = 0; step < assetCount; step++) {
    var text = haystack[step];
    if (text[1] === query || (compact && text[2] === compact) || text[0] === query) { exact.push(step); }
    else if (text[0].indexOf(query) === 0 || text[1].indexOf(query) === 0 || (compact && text[2].indexOf(compact) === 0)) {
      starts.push(step);
    } else if (text[0].indexOf(query) >= 0 || text[1].indexOf(query) >= 0) { within.push(step); }
  }
  return exact.concat(starts, within);
}

/* Bring asset k into view on its own and open its popup (its filters are switched back on). */
function select(asset) {
  if (pyramid && !blocks[blockIndexOf(asset)]) { readChunk(blockIndexOf(asset)).then(function () { select(asset); }); return; }
  var partner = partnerOf(asset), rating = ratingOf(asset);
  if (!isShown(partner, rating)) {
    partnerOn[partner] = true; ratingOn[rating] = true;
    panels.syncBoxes();
    applyFilters();
  }
  grid.show(asset, function (at) { openAsset(asset, at); });
}
api.search = search;
api.select = select;
