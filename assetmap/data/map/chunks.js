/* A national estate's compressed blocks (assetmap/maps/_pyramid.py): the chunks of records, the
 * shared tables of repeated values and the search index, each read from its element of this
 * page only when first needed. The page is windows-1252, so each character of a block is one
 * byte; four bytes are escaped as '=' and the byte XOR 0x40. */
var BYTE_OF = (function () {
  var all = new Uint8Array(256);
  for (var b = 0; b < 256; b++) { all[b] = b; }
  var text = new TextDecoder('windows-1252').decode(all), table = new Uint8Array(0x2200);
  for (var i = 0; i < 256; i++) { table[text.charCodeAt(i)] = i; }
  return table;
}());

function blockBytes(text) {
  var bytes = new Uint8Array(text.length), size = 0;
  for (var i = 0; i < text.length; i++) {
    var code = text.charCodeAt(i);
    if (code === 0x3d) { i += 1; bytes[size++] = text.charCodeAt(i) ^ 0x40; } else { bytes[size++] = BYTE_OF[code]; }
  }
  return bytes.subarray(0, size);
}

/* The object in block element id (a promise); the element is emptied once read. */
function readBlock(id) {
  var element = document.getElementById(id);
  var bytes = blockBytes(element.textContent);
  element.textContent = '';
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(stream).text().then(JSON.parse);
}

var sharedTables = null, tablesPromise = null, searchPromise = null, chunkPromises = {};
function readTables() {
  if (!tablesPromise) {
    tablesPromise = readBlock(pyramid[PYRAMID.tables]).then(function (tables) { sharedTables = tables; });
  }
  return tablesPromise;
}

/* The search index: name, id and postcode of every asset, each column one string with the values
 * separated by line feeds, searched with indexOf; and each asset's partner. */
function lineStarts(text) {
  var starts = new Int32Array(assetCount + 1), k = 1;
  for (var i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) { starts[k++] = i + 1; }
  starts[assetCount] = text.length + 1;
  return starts;
}
function SearchIndex(doc) {
  var self = this;
  this.partner = doc[COLUMN.partner];
  this.text = {};
  this.starts = {};
  this.lower = {};
  this.lowerStarts = {};
  [COLUMN.name, COLUMN.assetId, COLUMN.postcode].forEach(function (name) {
    var text = doc[name];
    /* Postcodes are searched in lower case without spaces; names and ids in lower case. */
    var lower = name === COLUMN.postcode ? text.toLowerCase().replace(/[^\S\n]+/g, '') : text.toLowerCase();
    self.text[name] = text;
    self.starts[name] = lineStarts(text);
    self.lower[name] = lower;
    self.lowerStarts[name] = lower.length === text.length && name !== COLUMN.postcode ? self.starts[name] : lineStarts(lower);
  });
}
SearchIndex.prototype.value = function (name, k) {
  var starts = this.starts[name];
  var text = this.text[name].substring(starts[k], starts[k + 1] - 1);
  return text === '' ? null : text;
};
/* The asset whose line holds character position at (binary search over the line starts). */
function lineOf(starts, at) {
  var low = 0, high = assetCount - 1;
  while (low < high) {
    var middle = (low + high + 1) >> 1;
    if (starts[middle] <= at) { low = middle; } else { high = middle - 1; }
  }
  return low;
}
/* Assets whose value in text (lines at starts) equals, starts with or contains query. */
function scanColumn(text, starts, query, found) {
  if (!query) { return; }
  for (var at = text.indexOf(query); at >= 0; at = text.indexOf(query, at + 1)) {
    var k = lineOf(starts, at), end = starts[k + 1] - 1;
    var rank = at === starts[k] ? (at + query.length === end ? 0 : 1) : 2;
    if (found[k] === undefined || rank < found[k]) { found[k] = rank; }
    at = end;
  }
}
SearchIndex.prototype.search = function (query, compact) {
  var found = {};
  scanColumn(this.lower[COLUMN.name], this.lowerStarts[COLUMN.name], query, found);
  scanColumn(this.lower[COLUMN.assetId], this.lowerStarts[COLUMN.assetId], query, found);
  var byPostcode = {};
  scanColumn(this.lower[COLUMN.postcode], this.lowerStarts[COLUMN.postcode], compact, byPostcode);
  Object.keys(byPostcode).forEach(function (k) {
    if (byPostcode[k] < 2 && (found[k] === undefined || byPostcode[k] < found[k])) { found[k] = byPostcode[k]; }
  });
  var groups = [[], [], []];
  Object.keys(found).forEach(function (k) { groups[found[k]].push(+k); });
  groups.forEach(function (group) { group.sort(function (a, b) { return a - b; }); });
  return groups[0].concat(groups[1], groups[2]);
};

var searchWaiting = [];
function readSearchIndex() {
  if (!searchPromise) {
    searchPromise = readBlock(pyramid[PYRAMID.search]).then(function (doc) {
      searchIndex = new SearchIndex(doc);
      api.searchReady = true;
      searchWaiting.splice(0).forEach(function (then) { then(); });
    });
  }
  return searchPromise;
}

/* Chunk c of the records, with its clusters and moves drawn (a promise of its block). */
function readChunk(c) {
  if (blocks[c]) { return Promise.resolve(blocks[c]); }
  if (!chunkPromises[c]) {
    var index = pyramid[PYRAMID.chunks];
    chunkPromises[c] = Promise.all([readTables(), readSearchIndex()]).then(function () {
      return readBlock(index[CHUNKS.id].replace('{}', String(c)));
    }).then(function (doc) {
      Object.keys(doc.cols).forEach(function (name) {
        var column = doc.cols[name];
        if (column && column[ENCODED.codes] && !column[ENCODED.distinct]) { column[ENCODED.distinct] = sharedTables[name]; }
      });
      var block = new RecordBlock(c, index[CHUNKS.start][c], doc);
      addBlock(block);
      drawClusters(block);
      drawMoves(block.moves);
      api.chunksRead = (api.chunksRead || 0) + 1;
      return block;
    });
  }
  return chunkPromises[c];
}
