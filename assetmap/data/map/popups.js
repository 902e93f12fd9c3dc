/* Popups: an asset's facts, rating, reasons, plan notes and source; the words of an opportunity. */
function who(k) {
  /* Before a national page has read its search index, only the top opportunities' assets have words. */
  if (pyramid && !searchIndex) { return pyramid[PYRAMID.top][PYRAMID.topWords][k] || 'another building'; }
  return label(k) + ' (' + partners[partnerOf(k)].name + ')';
}

/* The words for row i of an opportunities table, as seen from asset k. */
function opportunityText(table, i, k) {
  var rank = table[OPPORTUNITY.rank][i], people = table[OPPORTUNITY.people][i];
  var saving = table[OPPORTUNITY.saving][i], receipt = table[OPPORTUNITY.receipt][i];
  var donor = table[OPPORTUNITY.donor][i], receiver = table[OPPORTUNITY.receiver][i];
  var rankText = rank === null ? '' : '#' + rank + ' ';
  var peopleText = people === null ? 'its people' : wholeNumber.format(people) + ' people';
  var money = (saving ? '; saves ' + pounds.format(saving) + ' a year' : '') +
    (receipt ? '; capital receipt ' + pounds.format(receipt) : '');
  var action = table[OPPORTUNITY.action][i];
  if (action === 0) {
    if (k === receiver) { return rankText + 'Receives ' + peopleText + ' from ' + who(donor); }
    var into = receiver >= 0 ? who(receiver) : (table[OPPORTUNITY.into][String(i)] || 'another building');
    return rankText + 'Relocate ' + peopleText + ' into ' + into + money;
  }
  if (action === 1) { return rankText + 'Dispose: vacant or surplus' + money; }
  if (action === 2) {
    var spare = table[OPPORTUNITY.spare][i];
    return rankText + 'Share: offer ' + (spare === null ? 'spare space' : wholeNumber.format(spare) + ' spare places') +
      ' to other partners';
  }
  return rankText + 'Review' + money;
}

function assetPopup(k) {
  var block = blockOf(k), row = k - block.start;
  var root = el('div', 'am-popup');
  root.appendChild(el('h3', null, label(k)));
  var partner = partners[block.partner[row]];
  var line = el('div', 'am-who');
  line.appendChild(swatch(partnerColour(block.partner[row])));
  line.appendChild(document.createTextNode(partner.name + ' \u00b7 ' + (kindInfo[partner.kind] || kindInfo.other).label));
  root.appendChild(line);
  var rating = block.rating[row];
  if (rating >= 0) {
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
  if (notesOf[k]) {
    var notes = el('ul', 'am-notes');
    notesOf[k].forEach(function (note) { notes.appendChild(el('li', null, opportunityText(note[0], note[1], k))); });
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
function openAsset(k, at) {
  assetPopupLayer.setLatLng(at || (grid && grid.where[k]) || positionOf(k)).setContent(assetPopup(k)).openOn(map);
  api.openAsset = k;
}
