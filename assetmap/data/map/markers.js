/* Markers: a pin per asset (fill: partner kind, ring: rating, letter: use), made only for assets
 * actually drawn, and the partner and rating filters. */
var icons = {};
function iconFor(partner, use, rating) {
  var key = partner + '|' + use + '|' + rating;
  var icon = icons[key];
  if (!icon) {
    var ring = rating >= 0 ? colour(ratingTable[rating][2]) : '#ffffff';
    icon = L.divIcon({
      className: 'am-marker' + (rating >= 0 ? ' am-rated' : ''),
      html: '<span class="am-pin" style="background:' + partnerColour(partner) + ';border-color:' + ring + '">' +
        escapeHtml(useTable[use][1]) + '</span>',
      iconSize: [24, 24], iconAnchor: [12, 12]
    });
    icons[key] = icon;
  }
  return icon;
}
var markers = {};
function markerFor(k, position) {
  var marker = markers[k];
  if (!marker) {
    marker = L.marker(positionOf(k), {icon: iconFor(partnerOf(k), useOf(k), ratingOf(k)), title: label(k)});
    marker.on('click', function () { openAsset(k, marker.getLatLng()); });
    markers[k] = marker;
  }
  marker.setLatLng(position || positionOf(k));
  return marker;
}

var partnerOn = partners.map(function () { return true; });
var ratingOn = {'-1': true, 0: true, 1: true, 2: true};
function isShown(partner, rating) { return partnerOn[partner] && ratingOn[rating]; }
function applyFilters() { grid.render(); }
