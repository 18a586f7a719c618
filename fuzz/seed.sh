#!/bin/sh
# Re-creates the seed corpora (seeds/<target>/, tracked) and copies them into the working
# corpora (corpus/<target>/, ignored).
# render: the shipped profiles and the broken-profile fixtures, each prefixed with the fuzz
# target's mode byte: 0x00 = with base.toml, 0x01 = alone.
# manifests: the lint fixture trees, each whole (files joined by NUL bytes, each file's
# path on its first line) and each file alone, plus the Secret and glob cases of issue 10.
set -eu
cd "$(dirname "$0")"
rm -rf seeds/render
mkdir -p seeds/render corpus/render
for f in ../profiles/*.toml ../tests/fixtures/errors/*.toml; do
    name=$(basename "$f" .toml)
    dir=$(basename "$(dirname "$f")")
    { printf '\000'; cat "$f"; } > "seeds/render/with-base-$dir-$name"
    { printf '\001'; cat "$f"; } > "seeds/render/alone-$dir-$name"
done
cp seeds/render/* corpus/render/
echo "$(ls seeds/render | wc -l) seeds in seeds/render, copied to corpus/render"

rm -rf seeds/manifests
mkdir -p seeds/manifests corpus/manifests
for tree in ../tests/fixtures/lint/*/; do
    tree_name=$(basename "$tree")
    whole="seeds/manifests/tree-$tree_name"
    : > "$whole"
    first=1
    for f in $(cd "$tree" && find . -name '*.yaml' | sed 's|^\./||' | sort); do
        [ "$first" = 1 ] || printf '\000' >> "$whole"
        first=0
        { printf '%s\n' "$f"; cat "$tree/$f"; } >> "$whole"
        { printf '%s\n' "$f"; cat "$tree/$f"; } > "seeds/manifests/file-$tree_name-$(echo "$f" | tr / -)"
    done
done
cp extra-seeds/manifests/* seeds/manifests/
cp seeds/manifests/* corpus/manifests/
echo "$(ls seeds/manifests | wc -l) seeds in seeds/manifests, copied to corpus/manifests"
