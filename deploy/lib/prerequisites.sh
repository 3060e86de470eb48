# shellcheck shell=bash
# What the project needs on the machine, found or explained. Sourced by deploy/run-local.sh and .ci/run.
#
# - a JDK 17+ to build and run the services (java and javac on PATH, or JAVA_HOME);
# - a Java 21+ runtime for Apicurio Registry (STACKL_JAVA21_HOME, JAVA_HOME, or any JDK under /usr/lib/jvm);
# - curl or wget, and unzip or tar, for the Maven Wrapper's first download of Maven;
# - unshare (util-linux), which embedded PostgreSQL uses when it runs as root.

stackl_java_feature() { # JAVA_HOME -> its feature version, or nothing
  local release="$1/release"
  [ -r "$release" ] || return 0
  sed -n 's/^JAVA_VERSION="\{0,1\}\([0-9]*\).*/\1/p' "$release" | head -n 1
}

stackl_find_java21() { # prints a JAVA_HOME with Java 21+, or nothing
  local home feature
  for home in "${STACKL_JAVA21_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$home" ] && [ -x "$home/bin/java" ] || continue
    feature=$(stackl_java_feature "$home")
    if [ -n "$feature" ] && [ "$feature" -ge 21 ]; then
      echo "$home"
      return 0
    fi
  done
}

stackl_check_prerequisites() { # exits with a clear message when something is missing
  local missing=()
  if ! command -v javac >/dev/null 2>&1 && [ ! -x "${JAVA_HOME:-/nonexistent}/bin/javac" ]; then
    missing+=("a JDK 17 or newer (javac not found; on Debian: apt-get install openjdk-17-jdk-headless)")
  fi
  if [ -z "$(stackl_find_java21)" ]; then
    missing+=("a Java 21+ runtime for Apicurio Registry (none under STACKL_JAVA21_HOME, JAVA_HOME or /usr/lib/jvm; install one, e.g. a Temurin 21 or 25 JDK, and set STACKL_JAVA21_HOME)")
  fi
  if ! command -v curl >/dev/null 2>&1 && ! command -v wget >/dev/null 2>&1; then
    missing+=("curl or wget (the Maven Wrapper downloads Maven with it; apt-get install curl)")
  fi
  if ! command -v unzip >/dev/null 2>&1 && ! command -v tar >/dev/null 2>&1; then
    missing+=("unzip (apt-get install unzip)")
  fi
  if [ "$(id -u)" = 0 ] && ! command -v unshare >/dev/null 2>&1; then
    missing+=("unshare, which embedded PostgreSQL needs as root (apt-get install util-linux)")
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Stackl Tasks cannot start; missing:" >&2
    local m
    for m in "${missing[@]}"; do echo "  - $m" >&2; done
    exit 1
  fi
}

stackl_install_prometheus() { # prometheus and promtool on the PATH, from Debian's package, without starting its server
  if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Prometheus is needed: install Debian's prometheus package (apt-get install prometheus), or put the" \
      "prometheus and promtool binaries of a release from prometheus.io on the PATH" >&2
    return 1
  fi
  # Unpacked rather than installed: installing the package would also start a Prometheus server on :9090.
  echo "Installing prometheus and promtool from Debian's prometheus package ..."
  stackl_apt_update
  local dir
  dir=$(mktemp -d)
  (cd "$dir" && apt-get download -q prometheus)
  dpkg-deb -x "$dir"/prometheus_*.deb "$dir/root"
  install -m 0755 "$dir/root/usr/bin/prometheus" "$dir/root/usr/bin/promtool" /usr/local/bin/
  rm -rf "$dir"
}

stackl_install_chromium() { # Debian's headless Chromium and its ChromeDriver, for the console's browser test
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "The console test needs Chromium and ChromeDriver: install Debian's chromium and chromium-driver packages," \
      "or set STACKL_CHROMIUM and STACKL_CHROMEDRIVER to a Chromium and its matching driver" >&2
    return 1
  fi
  echo "Installing chromium and chromium-driver from Debian's packages ..."
  stackl_apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium chromium-driver
}

stackl_apt_update() { # apt-get update once per script run, however many installs ask for it
  if [ -z "${STACKL_APT_UPDATED:-}" ]; then
    apt-get update -q
    STACKL_APT_UPDATED=1
  fi
}
