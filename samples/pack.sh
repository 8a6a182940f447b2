#!/usr/bin/env bash
# Packs the device library and its dependencies into artifacts/packages, builds samples/EmbedSample from those
# packages only, and fails if its dependency closure holds a tooling package (ScottPlot, Spectre.Console, HdrHistogram).
# Then publishes the sample trimmed and self-contained, as an Android build trims it (samples/EmbedSample/bin/trimmed),
# and compiled ahead of time with NativeAOT, as iOS needs (samples/EmbedSample/bin/aot; needs clang, skipped without
# one): one trim or AOT warning from any package fails either (the sample treats warnings as errors).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/artifacts/packages"
rm -rf "$out" samples/.packages
for project in src/Contracts src/Inference src/DeviceAgent; do
  dotnet pack "$project" -c Release -o "$out" -v q --nologo
done
dotnet build samples/EmbedSample -c Release -v q --nologo
closure="$(dotnet list samples/EmbedSample package --include-transitive)"
echo "$closure"
if grep -Eiq 'ScottPlot|Spectre\.Console|HdrHistogram' <<<"$closure"; then
  echo "error: the sample's dependency closure holds a tooling package" >&2
  exit 1
fi
rid="$(dotnet --info | awk '/^ *RID:/ {print $2; exit}')"
dotnet publish samples/EmbedSample -c Release -r "$rid" --self-contained -p:PublishTrimmed=true \
  -o samples/EmbedSample/bin/trimmed -v q --nologo
echo "trimmed sample ($rid): $(du -sh samples/EmbedSample/bin/trimmed | cut -f1) in samples/EmbedSample/bin/trimmed"
cc="$(for c in clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do command -v "$c" && break; done | head -1)"
if [ -z "$cc" ]; then
  echo "NativeAOT sample skipped: no clang on PATH (NativeAOT links with it; .ci/run installs it)"
  exit 0
fi
dotnet publish samples/EmbedSample -c Release -r "$rid" -p:PublishAot=true -p:CppCompilerAndLinker="$cc" \
  -o samples/EmbedSample/bin/aot -v q --nologo
echo "NativeAOT sample ($rid, $(basename "$cc")): $(du -h samples/EmbedSample/bin/aot/EmbedSample | cut -f1) executable in samples/EmbedSample/bin/aot"
