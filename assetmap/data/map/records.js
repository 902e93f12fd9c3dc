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
    for (var nth = 0; nth < donors.length; nth++) {
      if (donors[nth] >= 0) { donors[nth] += start; }
      if (receivers[nth] >= 0) { receivers[nth] += start; }
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
  for (var nth = 0; nth < actions.length; nth++) {
    (notesOf[donors[nth]] = notesOf[donors[nth]] || []).push([table, nth]);
    if (receivers[nth] >= 0) { (notesOf[receivers[nth]] = notesOf[receivers[nth]] || []).push([table, nth]); }
    if (actions[nth] === 0 && donors[nth] >= 0 && receivers[nth] >= 0) { block.moves.push([table, nth]); }
  }
  Array.prototype.push.apply(moveList, block.moves);
}

/* The block index holding asset k (binary search over the blocks' first numbers). */
function blockIndexOf(asset) {
  var low = 0, high = blockStarts.length - 1;
  while (low < high) {
    var middle = (low + high + 1) >> 1;
    if (blockStarts[middle] <= asset) { low = middle; } else { high = middle - 1; }
  }
  return low;
}
function blockOf(asset) { return blockStarts.length === 1 ? blocks[0] : blocks[blockIndexOf(asset)]; }
function partnerOf(asset) {
  var block = blockOf(asset);
  return block ? block.partner[asset - block.start] : searchIndex.partner[asset];
}
function useOf(asset) { var block = blockOf(asset); return block.use[asset - block.start]; }
function ratingOf(asset) { var block = blockOf(asset); return block.rating[asset - block.start]; }
function valueOf(name, asset) { var block = blockOf(asset); return block.value(name, asset - block.start); }
function positionOf(asset) { var block = blockOf(asset), row = asset - block.start; return toLatLng(block.lat[row], block.lon[row]); }
function projectedOf(asset) { var block = blockOf(asset), row = asset - block.start; return {x: block.xs[row], y: block.ys[row]}; }
function nameOf(asset) { return searchIndex ? searchIndex.value(COLUMN.name, asset) : valueOf(COLUMN.name, asset); }
function idOf(asset) { return searchIndex ? searchIndex.value(COLUMN.assetId, asset) : valueOf(COLUMN.assetId, asset); }
function postcodeOf(asset) { return searchIndex ? searchIndex.value(COLUMN.postcode, asset) : valueOf(COLUMN.postcode, asset); }
function label(asset) { return nameOf(asset) || idOf(asset) || 'Asset ' + (asset + 1); }
