#!/bin/sh
# Re-creates the seed corpus (seeds/render/, tracked) from the shipped profiles and the
# broken-profile fixtures, and copies it into the working corpus (corpus/render/, ignored).
# Each seed is prefixed with the fuzz target's mode byte: 0x00 = with base.toml, 0x01 = alone.
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
