# Sourced by scripts/ci-install-*.sh: apt_install NAME PACKAGE... installs
# Debian packages with apt-get, as root or through sudo, or fails saying what
# to install by hand. Debian/Ubuntu only.
apt_install() {
  local name=$1
  shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$name: apt-get not found; install $* (or your distribution's equivalents) by hand" >&2
    return 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "$name: need root (or sudo) to apt-get install $*" >&2
      return 1
    fi
  fi
  echo "$name: installing $*"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$@"
}
