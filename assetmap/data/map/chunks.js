/* A national estate's compressed blocks (assetmap/maps/_pyramid.py): the chunks of records, the
 * shared tables of repeated values and the search index, each read from its element of this
 * page only when first needed. The page is windows-1252, so each character of a block is one
 * byte; four bytes are escaped as '=' and the byte XOR 0x40. */
var BYTE_OF = (function () {
  var all = new Uint8Array(256);
  for (var second = 0; second < 256; second++) { all[second] = second; }
  var text = new TextDecoder('windows-1252').decode(all), table = new Uint8Array(0x2200);
  for (var nth = 0; nth < 256; nth++) { table[text.charCodeAt(nth)] = nth; }
  return table;
}());

function blockBytes(text) {
  var bytes = new Uint8Array(text.length), size = 0;
  for (var nth = 0; nth < text.length; nth++) {
    var code = text.charCodeAt(nth);
    if (code === 0x3d) { nth += 1; bytes[size++] = text.charCodeAt(nth) ^ 0x40; } else { bytes[size++] = BYTE_OF[code]; }
  }
  return bytes.subarray(0, size);
}

/* Integers stored after a block's JSON (assetmap/maps/_pyramid.py, Ints): planes of bytes (1, 2,
 * 4 or 8: all lowest bytes, then all second bytes...) of zigzag-encoded values (plus one where a
 * value may be missing, 0 being missing), optionally as running differences and with a number of
 * decimals (below zero: a number of trailing zeros). */
function readIntegers(bytes, base, ref) {
  var offset = base + ref[0], count = ref[1], delta = ref[2], scale = Math.pow(10, Math.abs(ref[3])), nullable = ref[4];
  var width = ref[5], text = ref[6];
  var times = ref[3] < 0;  // whole tens, hundreds...: multiplied (exact), not divided
  var out = nullable || ref[3] || width > 4 ? new Array(count) : new Int32Array(count), run = 0;
  for (var nth = 0; nth < count; nth++) {
    var zigzag = bytes[offset + nth];
    for (var plane = 1, factor = 256; plane < width; plane++, factor *= 256) { zigzag += factor * bytes[offset + plane * count + nth]; }
    if (nullable) {
      if (zigzag === 0) { out[nth] = null; continue; }
      zigzag -= 1;
    }
    var value = zigzag % 2 ? -(zigzag + 1) / 2 : zigzag / 2;
    if (delta) { run += value; value = run; }
    out[nth] = text ? String(value) : scale === 1 ? value : times ? value * scale : value / scale;
  }
  return out;
}
function resolveIntegers(node, bytes, base) {
  if (!node || typeof node !== 'object' || Array.isArray(node)) { return node; }
  if (node[INTEGERS]) { return readIntegers(bytes, base, node[INTEGERS]); }
  Object.keys(node).forEach(function (key) { node[key] = resolveIntegers(node[key], bytes, base); });
  return node;
}

/* A national page reads its blocks with DecompressionStream (Chrome and Edge 80, Firefox 113, Safari
 * 16.4 and later). A browser without it is told so in the page, instead of a map that never fills. */
var canInflate = typeof window.DecompressionStream === 'function';
function explainNoInflate() {
  var note = el('div', 'am-unsupported');
  note.id = 'am-unsupported';
  note.setAttribute('role', 'alert');
  note.appendChild(el('h2', null, 'This browser cannot show this map'));
  note.appendChild(el('p', null, 'The map of ' + wholeNumber.format(assetCount) + ' assets keeps its records ' +
    'compressed inside this file, and this browser cannot read them (it has no DecompressionStream).'));
  note.appendChild(el('p', null, 'Open map.html in an up-to-date browser: Microsoft Edge or Google Chrome 80 or ' +
    'later, Firefox 113 or later, or Safari 16.4 or later. Nothing needs to be downloaded: the file works offline.'));
  document.body.appendChild(note);
  document.documentElement.setAttribute('data-unsupported', 'true');
  api.unsupported = true;
}

/* The object in block element id (a promise): its JSON with its integers; the element is emptied.
 * (Without DecompressionStream, a promise that never settles: the page has said why.) */
function readBlock(id) {
  if (!canInflate) { return new Promise(function () {}); }
  var element = document.getElementById(id);
  var packed = blockBytes(element.textContent);
  element.textContent = '';
  var stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(stream).arrayBuffer().then(function (buffer) {
    var bytes = new Uint8Array(buffer), size = new DataView(buffer).getUint32(0, true);
    var doc = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + size)));
    return resolveIntegers(doc, bytes, 4 + size);
  });
}

var sharedTables = null, tablesPromise = null, searchPromise = null, chunkPromises = {};
function readTables() {
  if (!tablesPromise) {
    tablesPromise = readBlock(pyramid[PYRAMID.tables]).then(function (tables) { sharedTables = tables; });
  }
  return tablesPromise;
}

/* A search column stored split at each value's last number (text before, number, text after):
 * one string, the values separated by line feeds. */
function joinedColumn(column) {
  var numbers = column[SPLIT.number], widths = column[SPLIT.width], out = new Array(numbers.length);
  var heads = column[SPLIT.head].split('\n'), tails = column[SPLIT.tail].split('\n');
  for (var nth = 0; nth < numbers.length; nth++) {
    var number = numbers[nth], digits = number === null ? '' : String(number);
    out[nth] = heads[nth] + (widths[nth] ? digits.padStart(widths[nth], '0') : digits) + tails[nth];
  }
  return out.join('\n');
}

/* The search index: name, id and postcode of every asset, each column one string with the values
 * separated by line feeds, searched with indexOf; and each asset's partner. */
function lineStarts(text) {
  var starts = new Int32Array(assetCount + 1), asset = 1;
  for (var nth = text.indexOf('\n'); nth >= 0; nth = text.indexOf('\n', nth + 1)) { starts[asset++] = nth + 1; }
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
    var text = joinedColumn(doc[name]);
    /* Postcodes are searched in lower case without spaces; names and ids in lower case. */
    var lower = name === COLUMN.postcode ? text.toLowerCase().replace(/[^\S\n]+/g, '') : text.toLowerCase();
    self.text[name] = text;
    self.starts[name] = lineStarts(text);
    self.lower[name] = lower;
    self.lowerStarts[name] = lower.length === text.length && name !== COLUMN.postcode ? self.starts[name] : lineStarts(lower);
  });
}
SearchIndex.prototype.value = function (name, asset) {
  var starts = this.starts[name];
  var text = this.text[name].substring(starts[asset], starts[asset + 1] - 1);
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
    var asset = lineOf(starts, at), end = starts[asset + 1] - 1;
    var rank = at === starts[asset] ? (at + query.length === end ? 0 : 1) : 2;
    if (found[asset] === undefined || rank < found[asset]) { found[asset] = rank; }
    at = end;
  }
}
SearchIndex.prototype.search = function (query, compact) {
  var found = {};
  scanColumn(this.lower[COLUMN.name], this.lowerStarts[COLUMN.name], query, found);
  scanColumn(this.lower[COLUMN.assetId], this.lowerStarts[COLUMN.assetId], query, found);
  var byPostcode = {};
  scanColumn(this.lower[COLUMN.postcode], this.lowerStarts[COLUMN.postcode], compact, byPostcode);
  Object.keys(byPostcode).forEach(function (asset) {
    if (byPostcode[asset] < 2 && (found[asset] === undefined || byPostcode[asset] < found[asset])) { found[asset] = byPostcode[asset]; }
  });
  var groups = [[], [], []];
  Object.keys(found).forEach(function (asset) { groups[found[asset]].push(+asset); });
  groups.forEach(function (group) { group.sort(function (first, second) { return first - second; }); });
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

/* Each asset's use category, from its use (the shared table gives each distinct use's category,
 * and last the category of assets with no use given). */
function useCategories(columns) {
  var codes = columns.use[ENCODED.codes], categories = sharedTables[COLUMN.use], out = new Int32Array(codes.length);
  for (var row = 0; row < codes.length; row++) {
    out[row] = categories[codes[row] < 0 ? categories.length - 1 : codes[row]];
  }
  return out;
}

/* A number of a reason written as in the plan's words: plain digits, or thousands with commas. */
function writtenNumber(number, kind) {
  var digits = String(number);
  return kind === 'g' ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : digits;
}
/* A chunk's reasons (templates and their numbers, grouped by template and place in it) as the
 * page's column of phrases: every phrase of the chunk, and each asset's phrases by number. */
function phrasesOf(column, templates) {
  var counts = column[REASONS.count], codes = column[REASONS.template], numbers = column[REASONS.numbers];
  var uses = new Int32Array(templates.length), starts = new Int32Array(templates.length), seen = new Int32Array(templates.length);
  for (var nth = 0; nth < codes.length; nth++) { uses[codes[nth]] += 1; }
  for (var code = 0, at = 0; code < templates.length; code++) { starts[code] = at; at += uses[code] * templates[code][0].length; }
  var phrases = new Array(codes.length), rows = new Array(counts.length), phrase = 0, out = {};
  for (var row = 0; row < counts.length; row++) {
    var list = rows[row] = new Array(counts[row]);
    for (var step = 0; step < counts[row]; step++, phrase++) {
      var which = codes[phrase], parts = templates[which], kinds = parts[0], text = parts[1];
      for (var place = 0; place < kinds.length; place++) {
        text += writtenNumber(numbers[starts[which] + place * uses[which] + seen[which]], kinds[place]) + parts[place + 2];
      }
      seen[which] += 1;
      phrases[phrase] = text;
      list[step] = phrase;
    }
  }
  out[ENCODED.distinct] = phrases;
  out[ENCODED.codes] = rows;
  return out;
}

/* Chunk c of the records, with its clusters and moves drawn (a promise of its block). */
function readChunk(chunk) {
  if (blocks[chunk]) { return Promise.resolve(blocks[chunk]); }
  if (!chunkPromises[chunk]) {
    var index = pyramid[PYRAMID.chunks];
    chunkPromises[chunk] = Promise.all([readTables(), readSearchIndex()]).then(function () {
      return readBlock(index[CHUNKS.id].replace('{}', String(chunk)));
    }).then(function (doc) {
      var columns = doc[DOCUMENT.columns], reasons = columns[COLUMN.reasons];
      if (reasons) { columns[COLUMN.reasons] = phrasesOf(reasons, reasons[REASONS.templates] || sharedTables[COLUMN.reasons]); }
      Object.keys(columns).forEach(function (name) {
        var column = columns[name];
        if (column && column[ENCODED.codes] && !column[ENCODED.distinct]) {
          /* Codes into the shared tables, or (cluster ids) into the chunk's own clusters. */
          column[ENCODED.distinct] = name === COLUMN.cluster ? doc[DOCUMENT.clusters][CLUSTER.id] : sharedTables[name];
        }
      });
      if (!columns[COLUMN.use]) { columns[COLUMN.use] = useCategories(columns); }
      var block = new RecordBlock(chunk, index[CHUNKS.start][chunk], doc);
      addBlock(block);
      drawClusters(block);
      drawMoves(block.moves);
      api.chunksRead = (api.chunksRead || 0) + 1;
      return block;
    });
  }
  return chunkPromises[chunk];
}
