#!/usr/bin/env bash
# Prints a Python >= 3.12 interpreter (Django 6 needs it): PATH first, then pyenv's.
set -u
for candidate in python3.14 python3.13 python3.12 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    command -v "$candidate"; exit 0
  fi
done
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python; do
  if [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
echo "No Python 3.12 or newer found. Install one (e.g. apt-get install python3.12 or pyenv install 3.12)." >&2
exit 1
