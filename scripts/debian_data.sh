#!/usr/bin/env bash
# Installs Debian's dataset-fashion-mnist (Fashion-MNIST in /usr/share/datasets) when
# it is missing and this runs as root with apt-get: the main job trains on it and
# the tests read it (they never download). Sourced by main.sh and test.sh.
if [ ! -d /usr/share/datasets/fashion-mnist ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  { apt-get update -q && apt-get install -y -q dataset-fashion-mnist; } >/dev/null 2>&1 \
    || echo "note: could not install Debian's dataset-fashion-mnist"
fi
