/* Asset records. Assets are numbered 0 .. assetCount - 1 across the whole estate; a block holds
 * the columns of a run of them, with the opportunities and clusters that belong with them. A
 * county's page has one block, read at load; a national estate's page has a block per chunk of
 * the map, read from the page when the view first needs it (chunks.js). Every accessor below
 * takes an asset's number and is only called for assets whose block has been read. */
var blocks = [];            // block index -> RecordBlock (undefined until read)
var blockStarts = [0];      // block index -> number of its first asset
var notesOf = {};           // asset -> [[opportunities table, row], ...]
var moveList = [];          // [[opportunities table, row], ...]: relocations between two shown assets
var searchIndex = null;     // a national page's search index (chunks.js), once read

function RecordBlock(index, start, doc) {
  var columns = undoDeltas(doc[DOCUMENT.columns]);
  this.index = index;
  this.start = start;
  this.columns = columns;
  this.lat = columns[COLUMN.lat];
  this.lon = columns[COLUMN.lon];
  this.count = columns[COLUMN.lat].length;
  /* A national page's chunks leave each asset's partner to the search index. */
  this.partner = columns[COLUMN.partner] || searchIndex.partner.slice(start, start + this.count);
  this.use = columns[COLUMN.use];
  this.rating = columns[COLUMN.rating];
  this.getters = {};
  this.opportunities = globalOpportunities(doc[DOCUMENT.opportunities] || {}, start);
  this.clusters = doc[DOCUMENT.clusters] || {id: []};
  this.clusterPolygons = [];
  /* Positions projected once (Web Mercator pixels at zoom 0) for the grid. */
  var xs = new Float64Array(this.count), ys = new Float64Array(this.count);
  for (var row = 0; row < this.count; row++) {
    var point = L.CRS.EPSG3857.latLngToPoint(toLatLng(this.lat[row], this.lon[row]), 0);
    xs[row] = point.x; ys[row] = point.y;
  }
  this.xs = xs; this.ys = ys;
}
RecordBlock.prototype.value = function (name, row) {
  var getter = this.getters[name];
  if (!getter) {
    /* A national page keeps name, id and postcode in its search index only. */
    var start = this.start;
    getter = this.getters[name] = this.columns[name] || !searchIndex || !searchIndex.text[name] ? columnGetter(this.columns[name])
      : function (row) { return searchIndex.value(name, start + row); };
  }
  return getter(row);
};

/* A block's opportunities name assets by their row in the block: make them estate numbers. */
function globalOpportunities(table, start) {
  var donors = table[OPPORTUNITY.donor], receivers = table[OPPORTUNITY.receiver];
  if (start && donors) {
    for (var i = 0; i < donors.length; i++) {
      if (donors[i] >= 0) { donors[i] += start; }
      if (receivers[i] >= 0) { receivers[i] += start; }
    }
  }
  return table;
}

/* Record a block that has been read: its opportunities become notes, its relocations moves. */
function addBlock(block) {
  blocks[block.index] = block;
  var table = block.opportunities, actions = table[OPPORTUNITY.action] || [];
  var donors = table[OPPORTUNITY.donor], receivers = table[OPPORTUNITY.receiver];
  block.moves = [];
  for (var i = 0; i < actions.length; i++) {
    (notesOf[donors[i]] = notesOf[donors[i]] || []).push([table, i]);
    if (receivers[i] >= 0) { (notesOf[receivers[i]] = notesOf[receivers[i]] || []).push([table, i]); }
    if (actions[i] === 0 && donors[i] >= 0 && receivers[i] >= 0) { block.moves.push([table, i]); }
  }
  Array.prototype.push.apply(moveList, block.moves);
}

/* The block index holding asset k (binary search over the blocks' first numbers). */
function blockIndexOf(k) {
  var low = 0, high = blockStarts.length - 1;
  while (low < high) {
    var middle = (low + high + 1) >> 1;
    if (blockStarts[middle] <= k) { low = middle; } else { high = middle - 1; }
  }
  return low;
}
function blockOf(k) { return blockStarts.length === 1 ? blocks[0] : blocks[blockIndexOf(k)]; }
function partnerOf(k) {
  var block = blockOf(k);
  return block ? block.partner[k - block.start] : searchIndex.partner[k];
}
function useOf(k) { var block = blockOf(k); return block.use[k - block.start]; }
function ratingOf(k) { var block = blockOf(k); return block.rating[k - block.start]; }
function valueOf(name, k) { var block = blockOf(k); return block.value(name, k - block.start); }
function positionOf(k) { var block = blockOf(k), row = k - block.start; return toLatLng(block.lat[row], block.lon[row]); }
function projectedOf(k) { var block = blockOf(k), row = k - block.start; return {x: block.xs[row], y: block.ys[row]}; }
function nameOf(k) { return searchIndex ? searchIndex.value(COLUMN.name, k) : valueOf(COLUMN.name, k); }
function idOf(k) { return searchIndex ? searchIndex.value(COLUMN.assetId, k) : valueOf(COLUMN.assetId, k); }
function postcodeOf(k) { return searchIndex ? searchIndex.value(COLUMN.postcode, k) : valueOf(COLUMN.postcode, k); }
function label(k) { return nameOf(k) || idOf(k) || 'Asset ' + (k + 1); }
