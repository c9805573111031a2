# Shared helpers for scripts/: find the toolchain and install missing Debian packages.

step() { printf '\n==> %s\n' "$*"; }

# ensure_swift: puts the toolchain on PATH, and installs the library the server links
# (jemalloc, its malloc).
ensure_swift() {
    if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    command -v swift >/dev/null 2>&1 || { echo "error: Swift 6.1 or newer is required (swift not on PATH)" >&2; exit 1; }
    ensure_debian_packages libjemalloc-dev
}

# ensure_debian_packages PACKAGE...: installs the packages that are not installed yet.
ensure_debian_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    step "installing ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
}
