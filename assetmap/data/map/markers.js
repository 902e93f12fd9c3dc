/* Markers: a pin per asset (fill: partner kind, ring: rating, letter: use), made only for assets
 * actually drawn, and the partner and rating filters. */
var icons = {};
function iconFor(partner, use, rating) {
  var key = partner + '|' + use + '|' + rating;
  var icon = icons[key];
  if (!icon) {
    var ring = colour(ratingTable[rating][2]);
    icon = L.divIcon({
      className: 'am-marker' + (rating !== NOT_RATED ? ' am-rated' : ''),
      html: '<span class="am-pin" style="background:' + partnerColour(partner) + ';border-color:' + ring + '">' +
        escapeHtml(useTable[use][1]) + '</span>',
      iconSize: [24, 24], iconAnchor: [12, 12]
    });
    icons[key] = icon;
  }
  return icon;
}
var markers = {};
function markerFor(asset, position) {
  var marker = markers[asset];
  if (!marker) {
    marker = L.marker(positionOf(asset), {icon: iconFor(partnerOf(asset), useOf(asset), ratingOf(asset)), title: label(asset)});
    marker.on('click', function () { openAsset(asset, marker.getLatLng()); });
    markers[asset] = marker;
  }
  marker.setLatLng(position || positionOf(asset));
  return marker;
}

var partnerOn = partners.map(function () { return true; });
var ratingOn = ratingTable.map(function () { return true; });
function isShown(partner, rating) { return partnerOn[partner] && ratingOn[rating]; }
function applyFilters() { grid.render(); }
