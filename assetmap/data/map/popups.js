/* Popups: an asset's facts, rating, reasons, plan notes and source; the words of an opportunity. */
function who(asset) {
  /* Before a national page has read its search index, only the top opportunities' assets have words. */
  if (pyramid && !searchIndex) { return pyramid[PYRAMID.top][PYRAMID.topWords][asset] || 'another building'; }
  return label(asset) + ' (' + partners[partnerOf(asset)].name + ')';
}

/* The words for row i of an opportunities table, as seen from asset k. */
function opportunityText(table, nth, asset) {
  var rank = table[OPPORTUNITY.rank][nth], people = table[OPPORTUNITY.people][nth];
  var saving = table[OPPORTUNITY.saving][nth], receipt = table[OPPORTUNITY.receipt][nth];
  var donor = table[OPPORTUNITY.donor][nth], receiver = table[OPPORTUNITY.receiver][nth];
  var rankText = rank === null ? '' : '#' + rank + ' ';
  var peopleText = people === null ? 'its people' : wholeNumber.format(people) + ' people';
  var money = (saving ? '; saves ' + pounds.format(saving) + ' a year' : '') +
    (receipt ? '; capital receipt ' + pounds.format(receipt) : '');
  var action = table[OPPORTUNITY.action][nth];
  if (action === 0) {
    if (asset === receiver) { return rankText + 'Receives ' + peopleText + ' from ' + who(donor); }
    var into = receiver >= 0 ? who(receiver) : (table[OPPORTUNITY.into][String(nth)] || 'another building');
    return rankText + 'Relocate ' + peopleText + ' into ' + into + money;
  }
  if (action === 1) { return rankText + 'Dispose: vacant or surplus' + money; }
  if (action === 2) {
    var spare = table[OPPORTUNITY.spare][nth];
    return rankText + 'Share: offer ' + (spare === null ? 'spare space' : wholeNumber.format(spare) + ' spare places') +
      ' to other partners';
  }
  return rankText + 'Review' + money;
}

function assetPopup(asset) {
  var block = blockOf(asset), row = asset - block.start;
  var root = el('div', 'am-popup');
  root.appendChild(el('h3', null, label(asset)));
  var partner = partners[block.partner[row]];
  var line = el('div', 'am-who');
  line.appendChild(swatch(partnerColour(block.partner[row])));
  line.appendChild(document.createTextNode(partner.name + ' \u00b7 ' + (kindInfo[partner.kind] || kindInfo.other).label));
  root.appendChild(line);
  var rating = block.rating[row];
  if (rating !== NOT_RATED) {
    var badge = el('div', 'am-rating'), score = block.value(COLUMN.score, row);
    badge.appendChild(swatch(ratingTable[rating][2], 'am-dot'));
    badge.appendChild(document.createTextNode(ratingTable[rating][1] +
      (score === null ? '' : ' (score ' + oneDecimal.format(score) + ')')));
    root.appendChild(badge);
  }
  var reasons = block.columns[COLUMN.reasons];
  if (reasons && reasons[ENCODED.codes][row].length) {
    var list = el('ul', 'am-reasons');
    reasons[ENCODED.codes][row].forEach(function (code) { list.appendChild(el('li', null, reasons[ENCODED.distinct][code])); });
    root.appendChild(list);
  }
  if (notesOf[asset]) {
    var notes = el('ul', 'am-notes');
    notesOf[asset].forEach(function (note) { notes.appendChild(el('li', null, opportunityText(note[0], note[1], asset))); });
    root.appendChild(notes);
  }
  var rows = [];
  popupFields.forEach(function (field) {
    var text = formatValue(block.value(field[0], row), field[2]);
    if (text !== null) { rows.push([field[1], text]); }
  });
  root.appendChild(factTable(rows));
  var source = sourceLine(block, row);
  if (source) { root.appendChild(source); }
  return root;
}

/* Where the record came from and how it was placed. */
function sourceLine(block, row) {
  var file = block.value(COLUMN.sourceFile, row), sourceRow = block.value(COLUMN.sourceRow, row);
  var method = block.value(COLUMN.method, row), precision = block.value(COLUMN.precision, row);
  var parts = [];
  if (file) { parts.push('From ' + file + (sourceRow === null ? '' : ', row ' + sourceRow)); }
  if (method) { parts.push('placed by ' + method + (precision === null ? '' : ' (\u00b1' + wholeNumber.format(precision) + ' m)')); }
  return parts.length ? el('div', 'am-source', parts.join('; ')) : null;
}

var assetPopupLayer = L.popup({maxWidth: 360, minWidth: 240, autoPanPadding: [30, 30], offset: [0, -8]});
function openAsset(asset, at) {
  assetPopupLayer.setLatLng(at || (grid && grid.where[asset]) || positionOf(asset)).setContent(assetPopup(asset)).openOn(map);
  api.openAsset = asset;
}
