# Sourced by .ci/run (bash): every CI step, npm included, runs on the Node.js of .node-version,
# whose major is the Lambda runtime's (nodejs24.x), whatever Node the machine itself has.
# A machine already on that major keeps its own; any other gets the pinned release from the npm
# registry's `node` package, fetched once into a cache outside the checkout (each CI run is a
# fresh clone) and put first on PATH. It is not a project devDependency: that would replace the
# Node of every developer and of each leg of the GitHub matrix.

ci_node_version="$(tr -d '[:space:]' < .node-version)"
ci_node_major="${ci_node_version%%.*}"
system_node="$(node -v 2>/dev/null || echo none)"
# The fetched package holds the node binary only: npm comes from the machine, of any recent release.
if ! command -v npm >/dev/null 2>&1; then
  echo "No npm on PATH: .ci/run needs some Node.js with npm to fetch Node.js ${ci_node_version} with" >&2
  exit 1
fi

if [[ "$system_node" != "v${ci_node_major}."* ]]; then
  ci_node_dir="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/photo-sharing-ci/node-${ci_node_version}"
  ci_node_bin="$ci_node_dir/node_modules/.bin"
  if [[ "$("$ci_node_bin/node" -v 2>/dev/null)" != "v${ci_node_version}" ]]; then
    echo "System Node.js is ${system_node}: fetching Node.js ${ci_node_version} (npm package node@${ci_node_version})"
    mkdir -p "$(dirname "$ci_node_dir")"
    # Fetched beside the cache entry and moved into place whole, so that an interrupted fetch
    # leaves nothing a later run would take for a complete Node.
    ci_node_tmp="$(mktemp -d "${ci_node_dir}.tmp.XXXXXX")"
    # The package's install script fetches the platform's binary (another npm package), so
    # scripts must run even where an npmrc turns them off.
    npm install --prefix "$ci_node_tmp" --no-save --no-package-lock --no-audit --no-fund \
      --ignore-scripts=false --loglevel=error "node@${ci_node_version}" >/dev/null
    if [[ "$("$ci_node_tmp/node_modules/.bin/node" -v 2>/dev/null)" != "v${ci_node_version}" ]]; then
      rm -rf "$ci_node_tmp"
      echo "npm install node@${ci_node_version} gave no working Node.js binary" >&2
      exit 1
    fi
    if [[ "$("$ci_node_bin/node" -v 2>/dev/null)" == "v${ci_node_version}" ]]; then
      rm -rf "$ci_node_tmp" # another run on this machine finished the same fetch first
    else
      rm -rf "$ci_node_dir"
      mv "$ci_node_tmp" "$ci_node_dir"
    fi
  fi
  export PATH="$ci_node_bin:$PATH"
fi

# npm is a Node script started through `env node`, so it follows PATH too: checked, not assumed.
ci_npm_node="$(npm exec --call 'echo "$npm_node_execpath"')"
if [[ "$(node -v)" != "v${ci_node_major}."* || "$("$ci_npm_node" -v)" != "$(node -v)" ]]; then
  echo "Expected Node.js ${ci_node_major} for node and npm; got node $(node -v), npm on $("$ci_npm_node" -v)" >&2
  exit 1
fi
echo "Node.js $(node -v) ($(command -v node)), npm $(npm -v) on the same Node; system Node.js: ${system_node}"
