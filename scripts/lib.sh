# Shared by scripts/run and scripts/test: install the Debian packages Ripcord needs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install PKG... installs the packages that are missing (one apt-get update first).
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}" >&2
        as_root apt-get update -q >&2
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
    fi
}

# The native libraries Ripcord links (libmicrohttpd with GnuTLS, libcurl, SQLite) and pkg-config.
install_build_dependencies() {
    apt_install pkg-config libmicrohttpd-dev libgnutls28-dev libcurl4-openssl-dev libsqlite3-dev
}

require_swift() {
    command -v swift >/dev/null || { echo "swift is not on PATH; install Swift 6 first (https://swift.org/install)" >&2; exit 1; }
}
