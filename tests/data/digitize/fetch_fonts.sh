#!/bin/sh
# The fonts R's PNG devices draw the test figures of tests/data/digitize/ with on Debian
# (Nimbus Sans of fonts-urw-base35, Liberation Sans of fonts-liberation2), put into
# DIR/share/fonts of a Python environment, where survrepro's image reader looks for them
# (survrepro.sources.digitize.glyphs.font_paths). Fonts already on the machine are not fetched
# again. Needs apt-get and dpkg-deb (Debian or Ubuntu); no root: the packages are downloaded
# and unpacked, not installed. Usage: fetch_fonts.sh DIR
set -eu
dir="$1/share/fonts"
mkdir -p "$dir"
for pair in fonts-urw-base35:NimbusSans-Regular.otf fonts-liberation2:LiberationSans-Regular.ttf; do
  pkg=${pair%%:*}; font=${pair#*:}
  if [ -f "$dir/$font" ] || { command -v fc-list >/dev/null 2>&1 && fc-list | grep -q "/$font:"; }; then
    continue
  fi
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
    echo "fetch_fonts.sh: $font (Debian package $pkg) is not on this machine and apt-get is missing; the tests reading R's PNG figures need it." >&2
    exit 2
  fi
  tmp=$(mktemp -d)
  # a machine whose package lists were never fetched: fetched once, where that is allowed
  (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
    { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1); } || {
    echo "fetch_fonts.sh: apt-get could not download $pkg (for $font); run 'apt-get update' or install $pkg." >&2
    rm -rf "$tmp"; exit 2; }
  dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/x"
  find "$tmp/x" -name "$font" -exec cp {} "$dir/" \;
  rm -rf "$tmp"
  test -f "$dir/$font"
done
