#!/bin/sh
# Runs a command with Node >= 22.22 first on PATH and the project's dependencies installed.
# On a machine whose Node is older (or missing), Node 24 is fetched from the npm registry
# (package node-<os>-<arch>@24) into .tools/, which git ignores. Idempotent and quiet when done.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=22)?0:1)' 2>/dev/null
}

if ! node_ok; then
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "gwctl: unsupported OS $(uname -s)" >&2; exit 1 ;; esac
  case "$(uname -m)" in x86_64|amd64) arch=x64 ;; arm64|aarch64) arch=arm64 ;; *) echo "gwctl: unsupported CPU $(uname -m)" >&2; exit 1 ;; esac
  pkg="node-$os-$arch"
  bin="$root/.tools/node_modules/$pkg/bin"
  if [ ! -x "$bin/node" ]; then
    echo "gwctl: this machine's Node is older than 22.22; fetching $pkg@24 into .tools/ (once)" >&2
    mkdir -p "$root/.tools"
    npm install --prefix "$root/.tools" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$pkg@24" >&2
  fi
  PATH="$bin:$PATH"
  export PATH
fi

# Dependencies: install when node_modules is missing or older than the lock file.
stamp="$root/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$root/package-lock.json" -nt "$stamp" ]; then
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# Build: when dist is missing or any source file is newer than the last build.
if [ ! -f "$root/dist/.built" ] || [ -n "$(find "$root/src" -newer "$root/dist/.built" -type f | head -n 1)" ]; then
  (cd "$root" && rm -rf dist && "$root/node_modules/.bin/tsc" -p tsconfig.build.json && touch dist/.built) >&2
fi

PATH="$root/node_modules/.bin:$PATH"
export PATH
exec "$@"
