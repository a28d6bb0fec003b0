#!/usr/bin/env bash
# Refreshes the Swagger UI and ReDoc files embedded in the docs functions (functions/assets/) from npm.
# Only the browser bundles, their CSS and licenses are copied; nothing else of the packages ships.
#   infra/scripts/update-docs-assets.sh
# installs exactly SWAGGER_UI_DIST_VERSION and REDOC_VERSION of infra/tools/pins.env: to upgrade, move
# those pins first. Afterwards: update the versions in functions/assets/README.md and in
# functions/src/endpoints/docs/assets.rs (the pages put them in the asset URLs, which are cached for a
# year), then run infra/scripts/docs-offline-check.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=infra/tools/pins.env
. "$root/infra/tools/pins.env"
swagger="swagger-ui-dist@$SWAGGER_UI_DIST_VERSION"
redoc="redoc@$REDOC_VERSION"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm init -y >/dev/null
# --ignore-scripts: nothing of these packages needs to run to be copied.
npm install --no-audit --no-fund --ignore-scripts --save-exact "$swagger" "$redoc" >&2
out="$root/functions/assets"
s="node_modules/swagger-ui-dist"
r="node_modules/redoc"
cp "$s/swagger-ui-bundle.js" "$s/swagger-ui-bundle.js.LICENSE.txt" "$s/swagger-ui.css" "$out/"
cp "$s/LICENSE" "$out/swagger-ui.LICENSE"
cp "$s/NOTICE" "$out/swagger-ui.NOTICE"
cp "$r/bundles/redoc.standalone.js" "$r/bundles/redoc.standalone.js.LICENSE.txt" "$out/"
cp "$r/LICENSE" "$out/redoc.LICENSE"
echo "swagger-ui-dist $(node -p "require('./$s/package.json').version"), redoc $(node -p "require('./$r/package.json').version") copied to $out"
