#!/bin/sh
# Fails when a banned function appears in the sources (STYLE.md, point 10).
dir=${1:-src}
if grep -rnE '\b(strcpy|sprintf|vsprintf|strtok|atoi|atol|gets|strcat)[[:space:]]*\(' "$dir" --include='*.c' --include='*.h'; then
	echo "banned function used (see STYLE.md)" >&2
	exit 1
fi
echo "no banned functions"
