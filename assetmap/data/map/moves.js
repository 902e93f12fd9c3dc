/* Planned moves: an arrow from donor to receiver, in their own pane above the shapes. */
map.createPane('amMoves').style.zIndex = 450;
var moveCanvas = L.canvas({pane: 'amMoves', padding: 0.3});
var movesLayer = L.featureGroup();

/* The line and a head a quarter of its length long, in a local metric frame. */
function arrow(from, to) {
  var stretch = Math.cos(from.lat * Math.PI / 180), dx = (to.lng - from.lng) * stretch, dy = to.lat - from.lat;
  var length = Math.sqrt(dx * dx + dy * dy);
  if (!length) { return [[from, to]]; }
  var head = length * 0.25, ux = -dx / length, uy = -dy / length, cos = Math.cos(0.45), sin = Math.sin(0.45);
  var left = L.latLng(to.lat + head * (ux * sin + uy * cos), to.lng + head * (ux * cos - uy * sin) / stretch);
  var right = L.latLng(to.lat + head * (-ux * sin + uy * cos), to.lng + head * (ux * cos + uy * sin) / stretch);
  return [[from, to], [left, to, right]];
}

function drawMoves(moves) {
  moves.forEach(function (move) {
    var table = move[0], nth = move[1];
    var donor = table[OPPORTUNITY.donor][nth], receiver = table[OPPORTUNITY.receiver][nth];
    var line = L.polyline(arrow(positionOf(donor), positionOf(receiver)),
      {renderer: moveCanvas, color: '#6a3d9a', weight: 3, opacity: 0.9});
    line.bindTooltip(function () { return el('span', null, opportunityText(table, nth, donor)); }, {sticky: true});
    line.on('click', function () { select(donor); });
    movesLayer.addLayer(line);
  });
}
