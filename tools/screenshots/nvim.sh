#!/bin/sh
# Takes the Neovim screenshots in docs/images/nvim-*.png: the journey test (tests/nvim_journey.rs)
# walks the user's journey in Neovim's real terminal interface under tmux, captures the screen at
# three moments (`tmux capture-pane -e -p`) and renders each capture with ansi2png.py.
#
# Needs (Debian): neovim, tmux, docker-registry, apache2-utils, python3-pil, fonts-dejavu-core.
# PACTO_PYTHON names a python3 with Pillow when /usr/bin/python3 is not the one.
set -eu
cd "$(dirname "$0")/../.."
mkdir -p docs/images
PACTO_SCREENSHOTS=1 exec cargo test --test nvim_journey -- neovim_screenshots_when_asked --nocapture
