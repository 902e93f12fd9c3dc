/* assetmap.explore(): the asset markers and popups of a folium map.
 * T holds the map's shared pieces (partner lines, rating labels, field labels, reason phrases:
 * HTML already escaped by assetmap; colours and letters from assetmap's own palette). Each
 * feature's properties are its own escaped pieces: t name, p partner, u use, r rating, s score,
 * e reason codes, n plan notes, v field values, f source. Nothing here reads unescaped text. */
var @@NAME@@ = (function (T) {
  return {
    point: function (feature, latlng) {
      var p = feature.properties, pin = document.createElement('span');
      pin.className = 'am-pin';
      pin.style.background = T.fill[p.p];
      pin.style.borderColor = T.ring[p.r];
      pin.textContent = T.glyph[p.u];
      return L.marker(latlng, {icon: L.divIcon({className: 'am-marker', html: pin, iconSize: [24, 24],
        iconAnchor: [12, 12], popupAnchor: [0, -10]})});
    },
    bind: function (feature, layer) {
      var p = feature.properties;
      layer.bindTooltip(p.t);
      layer.bindPopup(function () {
        var h = '<div class="am-popup"><h3>' + p.t + '</h3><div class="am-who">' + T.partners[p.p] + '</div>';
        if (p.r !== T.notRated) {
          h += '<div class="am-rating">' + T.ratings[p.r] + (p.s ? ' (score ' + p.s + ')' : '') + '</div>';
        }
        if (p.e.length) {
          h += '<ul class="am-reasons"><li>' + p.e.map(function (c) { return T.phrases[c]; }).join('<li>') + '</ul>';
        }
        if (p.n.length) { h += '<ul class="am-notes"><li>' + p.n.join('<li>') + '</ul>'; }
        h += '<table class="am-facts">';
        p.v.forEach(function (v, i) {
          if (v !== null) { h += '<tr><th>' + T.fields[i] + '</th><td>' + v + '</td></tr>'; }
        });
        h += '</table>';
        if (p.f) { h += '<div class="am-source">' + p.f + '</div>'; }
        return h + '</div>';
      }, {maxWidth: 360, minWidth: 240});
    }
  };
}(@@TABLES@@));
