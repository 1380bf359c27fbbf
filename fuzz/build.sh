#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/targets/ outside SwiftPM, into .build-fuzz/ (git ignores it):
# CYaml (clang), Yams and RipcordCore (swiftc, whole-module) straight from their source folders, all
# instrumented for libFuzzer and AddressSanitizer, then one executable per target.
#   fuzz/build.sh            -> .build-fuzz/bin/fuzz-{decoder,matcher,config}
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/.build-fuzz"
SAN="-sanitize=fuzzer,address"
command -v swiftc >/dev/null || { echo "swiftc is not on PATH" >&2; exit 1; }
CLANG="$(dirname "$(command -v swiftc)")/clang"

# Yams comes from SwiftPM's checkout of the version Package.resolved pins (own scratch path).
YAMS="$OUT/spm/checkouts/Yams"
if [ ! -d "$YAMS/Sources/Yams" ]; then
    (cd "$ROOT" && swift package --scratch-path "$OUT/spm" resolve >&2)
fi
mkdir -p "$OUT/obj/cyaml" "$OUT/mod" "$OUT/bin"

stamp="$OUT/obj/.stamp"
newest=$(find "$ROOT/Sources/RipcordCore" "$ROOT/fuzz/targets" "$YAMS/Sources" -newer "$stamp" -name '*.[cs]*' 2>/dev/null | head -1 || true)
if [ -f "$stamp" ] && [ -z "$newest" ] && [ -x "$OUT/bin/fuzz-config" ]; then
    echo "fuzz targets up to date" >&2; exit 0
fi

echo "building CYaml" >&2
for c in "$YAMS"/Sources/CYaml/src/*.c; do
    "$CLANG" -c -O1 -g -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC \
        -I "$YAMS/Sources/CYaml/include" "$c" -o "$OUT/obj/cyaml/$(basename "$c" .c).o"
done

echo "building Yams" >&2
swiftc -module-name Yams -parse-as-library -wmo -O -g $SAN -D SWIFT_PACKAGE \
    -I "$YAMS/Sources/CYaml/include" -Xcc -DYAML_DECLARE_STATIC \
    -emit-module -emit-module-path "$OUT/mod/Yams.swiftmodule" \
    -c "$YAMS"/Sources/Yams/*.swift -o "$OUT/obj/Yams.o"

echo "building RipcordCore" >&2
swiftc -module-name RipcordCore -parse-as-library -wmo -O -g $SAN -swift-version 6 \
    -I "$OUT/mod" -I "$YAMS/Sources/CYaml/include" -Xcc -DYAML_DECLARE_STATIC \
    -emit-module -emit-module-path "$OUT/mod/RipcordCore.swiftmodule" \
    -c $(find "$ROOT/Sources/RipcordCore" -name '*.swift' | sort) -o "$OUT/obj/RipcordCore.o"

for target in "$ROOT"/fuzz/targets/*.swift; do
    name=$(basename "$target" .swift)
    echo "linking fuzz-$name" >&2
    # gold warns about every ASan helper symbol it cannot export; show anything else.
    if ! swiftc -parse-as-library -O -g $SAN -swift-version 6 -module-name "Fuzz_$name" \
        -I "$OUT/mod" -I "$YAMS/Sources/CYaml/include" -Xcc -DYAML_DECLARE_STATIC \
        "$target" "$OUT/obj/RipcordCore.o" "$OUT/obj/Yams.o" "$OUT"/obj/cyaml/*.o \
        -o "$OUT/bin/fuzz-$name" 2>"$OUT/obj/link-$name.log"; then
        cat "$OUT/obj/link-$name.log" >&2; exit 1
    fi
    grep -v "Cannot export local symbol" "$OUT/obj/link-$name.log" >&2 || true
done
touch "$stamp"
