#!/usr/bin/env bash
# Regenerates the API contract the web client is typed from: the OpenAPI document the server serves
# (web/src/lib/openapi.json) and the TypeScript types openapi-typescript makes of it (web/src/lib/api-types.ts).
# Run after changing a DTO or an endpoint; `npm run check` and the server's OpenApiContractTests fail until you do.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-Release}

dotnet build src/Reel.Server -c "$CONFIG" --nologo -v quiet
data=$(mktemp -d)
log="$data/server.log"
# Port 0: the server picks a free port and says which, so nothing else on the machine is in the way.
dotnet "src/Reel.Server/bin/$CONFIG/net10.0/Reel.Server.dll" --urls http://127.0.0.1:0 --DataDir "$data/data" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT

url=
for _ in $(seq 1 120); do
  url=$(grep -o 'Now listening on: http://127.0.0.1:[0-9]*' "$log" | head -n1 | sed 's/Now listening on: //') || true
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$log"; echo "The server stopped before it listened." >&2; exit 1; }
  sleep 0.5
done
[ -n "$url" ] || { cat "$log"; echo "The server did not listen within 60 s." >&2; exit 1; }

curl -sSf "$url/openapi/v1.json" -o web/src/lib/openapi.json
echo >>web/src/lib/openapi.json
(cd web && npm run --silent openapi:types)
echo "Wrote web/src/lib/openapi.json and web/src/lib/api-types.ts from $url/openapi/v1.json."
