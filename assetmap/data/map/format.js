/* Small helpers: elements, colours, swatches, number formats, tables of facts.
 * Every value from a register reaches the page only through textContent or a DOM property. */
var HEX_COLOUR = /^#[0-9a-fA-F]{6}$/, CROSS_COLOUR = '#c51b7d';

function el(tag, className, text) {
  var node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text !== null && text !== undefined) { node.textContent = String(text); }
  return node;
}
function escapeHtml(text) {
  return String(text).replace(/[&<>"'`]/g, function (character) { return '&#' + character.charCodeAt(0) + ';'; });
}
function colour(value) { return HEX_COLOUR.test(value) ? value : '#7f7f7f'; }
function swatch(value, className) {
  var node = el('span', 'am-swatch ' + (className || ''));
  if (className === 'am-ring') { node.style.borderColor = colour(value); } else { node.style.background = colour(value); }
  return node;
}

var kindInfo = {};
kindTable.forEach(function (kind) { kindInfo[kind[0]] = {label: kind[1], colour: colour(kind[2])}; });
function partnerColour(partner) { return (kindInfo[partners[partner].kind] || kindInfo.other).colour; }

var wholeNumber = new Intl.NumberFormat('en-GB', {maximumFractionDigits: 0});
var oneDecimal = new Intl.NumberFormat('en-GB', {maximumFractionDigits: 1});
var pounds = new Intl.NumberFormat('en-GB', {style: 'currency', currency: 'GBP', maximumFractionDigits: 0});
function formatValue(value, kind) {
  if (value === null || value === undefined || value === '') { return null; }
  if (kind === 'gbp') { return pounds.format(value); }
  if (kind === 'pct') { return Math.round(value * 100) + '%'; }
  if (kind === 'm2') { return wholeNumber.format(value) + ' m\u00b2'; }
  if (kind === 'num') { return oneDecimal.format(value); }
  if (kind === 'date') {
    var parts = String(value).split('-');
    if (parts.length === 3) {
      return new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2])).toLocaleDateString(
        'en-GB', {day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC'});
    }
  }
  return String(value);
}
function factTable(rows) {
  var table = el('table', 'am-facts');
  rows.forEach(function (row) {
    var tr = el('tr');
    tr.appendChild(el('th', null, row[0]));
    tr.appendChild(el('td', null, row[1]));
    table.appendChild(tr);
  });
  return table;
}
